# One helper for every target, so the standard, warnings, include layout and sanitizers are
# decided here and nowhere else (no global CMAKE_CXX_FLAGS edits).
#
#   sightline_module(NAME <target> [DIR <subdir>] [SOURCES ...] [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#     A library whose public headers live in <dir>/include and sources in <dir>/src (<dir> is the
#     current source dir, or its DIR sub-folder when several modules share one CMakeLists.txt).
#   sightline_executable(NAME <target> OUTPUT <binary-name> SOURCES ... DEPS ...)
#   sightline_test(NAME <target> SOURCES ... DEPS ... [LABELS ...])
#     A GoogleTest binary registered with CTest; LABELS defaults to "unit".

option(SIGHTLINE_SANITIZE "Build everything with AddressSanitizer and UBSan" OFF)
option(SIGHTLINE_SANITIZE_THREAD "Build everything with ThreadSanitizer" OFF)
option(SIGHTLINE_WERROR "Treat warnings as errors" ON)
option(SIGHTLINE_FUZZ "Build the libFuzzer targets in fuzz/ (clang; everything instrumented)" OFF)
option(SIGHTLINE_JEMALLOC "Link the service binaries with jemalloc (not with sanitizers)" ON)
# RelWithDebInfo (the release, tsan and fuzz presets) keeps line tables only: what perf, gdb's
# backtraces and the sanitizers' reports need. Full debug info made the build a fifth slower and
# one object 124 MB (the HTTP server's coroutines over Beast); see ADR 0025. Debug builds keep it.
set(SIGHTLINE_DEBUG_INFO lines CACHE STRING
    "Debug information in RelWithDebInfo builds: lines (line tables only) or full")
set_property(CACHE SIGHTLINE_DEBUG_INFO PROPERTY STRINGS lines full)
if(NOT SIGHTLINE_DEBUG_INFO MATCHES "^(lines|full)$")
  message(FATAL_ERROR "SIGHTLINE_DEBUG_INFO must be lines or full, not '${SIGHTLINE_DEBUG_INFO}'")
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(_sightline_line_tables -gline-tables-only)
else()
  set(_sightline_line_tables -g1)
endif()

# jemalloc for the services and tools: the API and the gateway allocate many small, short-lived
# objects across threads, where glibc's malloc cost a quarter of /v1/queue's CPU (ADR 0017).
# Sanitizers bring their own allocator, so sanitized builds keep the default one.
set(_sightline_jemalloc "")
if(SIGHTLINE_JEMALLOC AND NOT SIGHTLINE_SANITIZE AND NOT SIGHTLINE_SANITIZE_THREAD
   AND NOT SIGHTLINE_FUZZ)
  find_library(SIGHTLINE_JEMALLOC_LIBRARY NAMES jemalloc)
  if(SIGHTLINE_JEMALLOC_LIBRARY)
    set(_sightline_jemalloc ${SIGHTLINE_JEMALLOC_LIBRARY})
  else()
    message(WARNING "jemalloc not found (scripts/deps.sh installs libjemalloc-dev): services use "
                    "glibc's malloc")
  endif()
endif()

function(_sightline_common target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
  if(SIGHTLINE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SIGHTLINE_DEBUG_INFO STREQUAL "lines")
    # After the build type's -g, so this level is the one that counts.
    target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo>:${_sightline_line_tables}>)
  endif()
  if(SIGHTLINE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(SIGHTLINE_FUZZ)
    # Coverage for libFuzzer and the sanitizers that turn silent corruption into a crash.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(SIGHTLINE_SANITIZE_THREAD)
    # -O1, as ThreadSanitizer's own documentation builds: after the build type's -O2, so this
    # level counts. The HTTP server's coroutines compiled in 71 s instead of 92 (2026-12-03).
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer -O1)
    target_link_options(${target} PRIVATE -fsanitize=thread)
    # Asio orders handler memory with std::atomic_thread_fence, which TSan cannot model (g++
    # refuses it under -Werror=tsan). Its scheduler hands handlers over under a mutex, which TSan
    # does see, so the fences are left out of the TSan build only.
    target_compile_definitions(${target} PRIVATE BOOST_ASIO_DISABLE_FENCED_BLOCK)
  endif()
endfunction()

# ThreadSanitizer builds: C11 threads (librdkafka's) made visible to TSan, see the file.
function(_sightline_tsan_threads target)
  if(SIGHTLINE_SANITIZE_THREAD)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/tsan/c11_threads.cc)
    set_source_files_properties(${PROJECT_SOURCE_DIR}/cmake/tsan/c11_threads.cc
                                TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
endfunction()

function(sightline_module)
  cmake_parse_arguments(M "" "NAME;DIR" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${M_NAME} STATIC ${M_SOURCES})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  if(M_DIR)
    set(dir ${CMAKE_CURRENT_SOURCE_DIR}/${M_DIR})
  endif()
  target_include_directories(${M_NAME} PUBLIC ${dir}/include)
  target_link_libraries(${M_NAME} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  _sightline_common(${M_NAME})
endfunction()

function(sightline_executable)
  cmake_parse_arguments(M "" "NAME;OUTPUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${M_NAME} ${M_SOURCES})
  _sightline_tsan_threads(${M_NAME})
  target_link_libraries(${M_NAME} PRIVATE ${M_DEPS} ${_sightline_jemalloc})
  if(M_OUTPUT)
    set_target_properties(${M_NAME} PROPERTIES OUTPUT_NAME ${M_OUTPUT})
  endif()
  _sightline_common(${M_NAME})
endfunction()

# The headers nearly every test parses, compiled once into a precompiled header that each test
# target reuses (ADR 0025's addendum). GCC checks a PCH against the flags before using it, and
# CMake adds -Winvalid-pch: a test target whose flags differ from this one's fails to build.
function(_sightline_test_pch)
  if(TARGET sightline_test_pch)
    return()
  endif()
  add_library(sightline_test_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/test_pch.cc)
  target_link_libraries(sightline_test_pch PRIVATE GTest::gtest GTest::gmock
                                                   nlohmann_json::nlohmann_json protobuf::libprotobuf)
  target_compile_options(sightline_test_pch PRIVATE $<$<CONFIG:RelWithDebInfo>:-O0>)
  target_precompile_headers(sightline_test_pch PRIVATE
    <gmock/gmock.h> <gtest/gtest.h> <nlohmann/json.hpp> <google/protobuf/message.h>
    <algorithm> <atomic> <chrono> <filesystem> <fstream> <functional> <map> <memory> <mutex>
    <optional> <set> <string> <string_view> <thread> <vector>)
  _sightline_common(sightline_test_pch)
endfunction()

function(sightline_test)
  cmake_parse_arguments(M "SERIAL" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT M_LABELS)
    set(M_LABELS unit)
  endif()
  if(NOT M_TIMEOUT)
    set(M_TIMEOUT 120)
  endif()
  add_executable(${M_NAME} ${M_SOURCES})
  _sightline_tsan_threads(${M_NAME})
  # A test's own sources are compiled without optimisation in a RelWithDebInfo build: what they
  # test (the libraries) keeps -O2, and a test file compiles in 60% of the time (ADR 0025's
  # addendum). The ThreadSanitizer build's -O1, added later, still counts there.
  target_compile_options(${M_NAME} PRIVATE $<$<CONFIG:RelWithDebInfo>:-O0>)
  _sightline_test_pch()
  target_precompile_headers(${M_NAME} REUSE_FROM sightline_test_pch)
  target_link_libraries(${M_NAME} PRIVATE ${M_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  set_target_properties(${M_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  _sightline_common(${M_NAME})
  add_test(NAME ${M_NAME} COMMAND ${M_NAME} --gtest_color=no)
  set_tests_properties(${M_NAME} PROPERTIES LABELS "${M_LABELS}" TIMEOUT ${M_TIMEOUT}
                       ENVIRONMENT "SIGHTLINE_SOURCE_DIR=${PROJECT_SOURCE_DIR};SIGHTLINE_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
  # SERIAL: a test that measures a service's answer times runs with no other test beside it, so
  # what it measures is the service under its attack, not the neighbours on a shared machine.
  if(M_SERIAL)
    set_tests_properties(${M_NAME} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()
