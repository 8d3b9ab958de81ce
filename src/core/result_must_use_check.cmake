# The test core_result_must_be_used: a dropped Result (core/error.h) must not
# compile. Compiles result_must_use_check.cc three times, syntax only: as it
# is (must compile), then dropping a Status and a Result<T> (each must fail on
# -Werror=unused-result).
#   cmake -DCXX=<compiler> -DSOURCE=<result_must_use_check.cc> -DINCLUDE=<src> -P result_must_use_check.cmake
foreach(variant NONE EXIDX_DROP_STATUS EXIDX_DROP_RESULT)
  set(define "")
  if(NOT variant STREQUAL "NONE")
    set(define "-D${variant}")
  endif()
  execute_process(
    COMMAND ${CXX} -std=c++23 -fsyntax-only -Wall -Wextra -Werror=unused-result ${define} -I${INCLUDE} ${SOURCE}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
  if(variant STREQUAL "NONE")
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "Result's uses no longer compile:\n${output}")
    endif()
  elseif(result EQUAL 0)
    message(FATAL_ERROR "${variant}: a dropped Result compiled; Result is no longer must-use")
  elseif(NOT output MATCHES "unused-result")
    message(FATAL_ERROR "${variant}: failed to compile, but not for the dropped Result:\n${output}")
  else()
    message(STATUS "${variant}: refused, as it must be")
  endif()
endforeach()
