# One place for the project's warning flags: -Wall -Wextra and friends, so
# every target builds clean at the same level.
function(modelzoo_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                                           -Wnon-virtual-dtor -Wcast-align -Wunused)
  # GCC's; clang (the fuzz build) has -Wshadow only, which is wider.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)
  endif()
endfunction()
