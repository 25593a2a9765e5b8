# modelzoo_add_library(TARGET EXPORT_NAME NAME SOURCES file...)
#
# One of modelzoo's own shared libraries: alias modelzoo::NAME, hidden
# visibility (public API marked MODELZOO_API), versioned soname, public
# headers in the calling directory's include/, the project's warnings.
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
  modelzoo_set_warnings(${target})
endfunction()
