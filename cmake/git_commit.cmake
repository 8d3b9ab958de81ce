# exidx_git_commit(VAR): the commit the source tree is checked out at (12 hex
# digits), or "" when the tree is not a git checkout (a source tarball) or git
# is missing. -DEXIDX_GIT_COMMIT=... on the cmake command line overrides it
# (a packager building from a tarball).
#
# Read at configure time: `git rev-parse` is cheap, and a build should not run
# git on every step. So that a commit made after configuring does not leave a
# stale answer, the files git moves on a commit or checkout (HEAD, the
# branch's loose ref, packed-refs) are configure dependencies: CMake
# reconfigures when one of them changes, which recompiles only what includes
# the generated version header.
function(exidx_git_commit out_var)
  if(DEFINED EXIDX_GIT_COMMIT)
    set(${out_var} "${EXIDX_GIT_COMMIT}" PARENT_SCOPE)
    return()
  endif()
  set(commit "")
  find_package(Git QUIET)
  if(GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    RESULT_VARIABLE status OUTPUT_VARIABLE commit ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT status EQUAL 0)
      set(commit "")
    endif()
  endif()
  if(commit)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --symbolic-full-name HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE branch ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(watched HEAD packed-refs)
    if(branch MATCHES "^refs/")
      list(APPEND watched ${branch})
    endif()
    foreach(name IN LISTS watched)
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${name}
                      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE path ERROR_QUIET
                      OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(path AND NOT IS_ABSOLUTE "${path}")
        set(path "${PROJECT_SOURCE_DIR}/${path}")
      endif()
      if(path AND EXISTS "${path}")
        set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${path}")
      endif()
    endforeach()
  endif()
  set(${out_var} "${commit}" PARENT_SCOPE)
endfunction()
