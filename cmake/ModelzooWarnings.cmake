# One place for the project's warning flags: -Wall -Wextra and friends, so
# every target builds clean at the same level.
function(modelzoo_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           -Wnon-virtual-dtor -Wcast-align -Wunused)
endfunction()
