# modelzoo_add_library(TARGET EXPORT_NAME NAME SOURCES file...)
#
# One of modelzoo's own shared libraries: alias modelzoo::NAME, hidden
# visibility (public API marked MODELZOO_API), versioned soname, public
# headers in the calling directory's include/, the project's warnings.
# modelzoo_set_runpath(TARGET RUNPATH)
#
# An installed target gets its $ORIGIN-relative install RUNPATH in the build
# tree as well, whose layout (bin/, lib/, lib/modelzoo/plugins/) mirrors the
# install's. Otherwise CMake links a build-tree binary that it will edit at
# install time with a RUNPATH ending in ':' — an empty entry, which ld.so
# reads as the current directory for that binary's own dependencies. Not
# for plugins (the host loads them through /proc/self/fd/N, where $ORIGIN
# is /proc/self/fd) nor for the CLI (see tools/CMakeLists.txt): theirs stay
# absolute, with the trailing ':' in the build tree.
function(modelzoo_set_runpath target runpath)
  set_target_properties(${target} PROPERTIES BUILD_WITH_INSTALL_RPATH ON INSTALL_RPATH "${runpath}")
endfunction()

function(modelzoo_add_library target)
  cmake_parse_arguments(ARG "" "EXPORT_NAME" "SOURCES" ${ARGN})
  add_library(${target} SHARED ${ARG_SOURCES})
  add_library(modelzoo::${ARG_EXPORT_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${target} EXPORT_NAME ${ARG_EXPORT_NAME}
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  modelzoo_set_runpath(${target} "$ORIGIN")
  modelzoo_set_warnings(${target})
endfunction()
