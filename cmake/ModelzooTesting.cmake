# The test suite's CMake helpers, included from the root CMakeLists.txt
# before any component or family folder (only with MODELZOO_BUILD_TESTS),
# so that a family's tests/CMakeLists.txt, which modelzoo_add_plugin(TESTS …)
# adds from inside plugins/<family>/, can use them. The helper targets
# (modelzoo_test_main, modelzoo_test_support, …) are in tests/support/.
#
# Catch2 v2 tests, one executable per component or family, tagged; every
# Catch2 case is registered with CTest through catch_discover_tests, so
# `ctest -R` and `ctest -L` work per case. include(Catch) must happen in a
# directory that every test directory descends from: catch_discover_tests
# reads a variable that Catch.cmake sets when included.
find_package(Catch2 2 REQUIRED)
include(Catch)

# modelzoo_add_test(NAME SOURCES file... [LIBS target...] [PROPERTIES prop value...])
#
# One test executable, linked with the shared Catch2 main; every Catch2
# case becomes a CTest test with PROPERTIES (extra CTest properties, e.g.
# FIXTURES_REQUIRED). Sources see MODELZOO_SOURCE_DIR and
# MODELZOO_BINARY_DIR (the project's top directories) and
# MODELZOO_TEST_SOURCE_DIR (the calling directory, where a test's own
# scripts and data are). Inside a family's
# tests (added by modelzoo_add_plugin's TESTS), the cases are labelled with
# the family's name unless PROPERTIES gives LABELS itself.
function(modelzoo_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES} $<TARGET_OBJECTS:modelzoo_test_main>)
  target_link_libraries(${name} PRIVATE Catch2::Catch2 ${ARG_LIBS})
  target_compile_definitions(${name} PRIVATE
    MODELZOO_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    MODELZOO_BINARY_DIR="${PROJECT_BINARY_DIR}"
    MODELZOO_TEST_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
  modelzoo_set_warnings(${name})
  set(properties ${ARG_PROPERTIES})
  if(MODELZOO_TEST_LABELS AND NOT "LABELS" IN_LIST properties)
    list(APPEND properties LABELS "${MODELZOO_TEST_LABELS}")
  endif()
  # -w NoTests: a name CTest mangles (a ";" splits it) matches nothing and must fail.
  catch_discover_tests(${name} EXTRA_ARGS -w NoTests PROPERTIES TIMEOUT 300 ${properties})
endfunction()
