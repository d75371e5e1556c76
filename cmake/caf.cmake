# Imports CAF 0.17 as the target CAF::core.
#
# Debian's libcaf-dev ships no CMake package, so the system copy is found by
# header and library. Where the system has no CAF 0.17 (Homebrew and vcpkg carry
# CAF 1.x, whose API differs), OPENMFD_FETCH_CAF builds 0.17.6 from its tag.
option(OPENMFD_FETCH_CAF "Fetch and build CAF 0.17.6 when the system has none" OFF)

find_path(CAF_INCLUDE_DIR caf/all.hpp)
find_library(CAF_CORE_LIBRARY caf_core)

set(_caf_version 0)
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_line
       REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _caf_version "${_caf_line}")
endif()

if(CAF_CORE_LIBRARY AND _caf_version GREATER_EQUAL 1706
   AND _caf_version LESS 1800)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  message(STATUS "CAF ${_caf_version}: ${CAF_CORE_LIBRARY}")
elseif(OPENMFD_FETCH_CAF)
  include(FetchContent)
  FetchContent_Declare(caf
    GIT_REPOSITORY https://github.com/actor-framework/actor-framework.git
    GIT_TAG 0.17.6)
  set(CAF_NO_EXAMPLES ON CACHE BOOL "" FORCE)
  set(CAF_NO_TOOLS ON CACHE BOOL "" FORCE)
  set(CAF_NO_UNIT_TESTS ON CACHE BOOL "" FORCE)
  set(CAF_NO_OPENSSL ON CACHE BOOL "" FORCE)
  set(CAF_NO_IO ON CACHE BOOL "" FORCE)
  set(CAF_NO_PYTHON ON CACHE BOOL "" FORCE)
  set(CAF_BUILD_STATIC_ONLY ON CACHE BOOL "" FORCE)
  FetchContent_MakeAvailable(caf)
  add_library(CAF::core ALIAS libcaf_core_static)
else()
  message(FATAL_ERROR
    "CAF 0.17 not found (found version '${_caf_version}'). On Debian: "
    "apt-get install libcaf-dev. Elsewhere: -DOPENMFD_FETCH_CAF=ON.")
endif()
