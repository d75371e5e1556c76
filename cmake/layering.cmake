# Include-rule check, run at build time (cmake -P) by the layering_check target:
#   protocol/ may not include CAF, Asio, Beast or spdlog (it is pure);
#   actors/ may not include Asio or Beast (sockets live in net/);
#   net/ports.hpp may include neither CAF nor Asio (it is the bridge);
#   shared platform/*.cpp|hpp may not test the OS with #ifdef.
# Fails with one line per violation.
set(root "${SOURCE_DIR}")
set(violations "")

# check_dir(pattern regex why [FLAT]): FLAT does not descend into sub-folders.
function(check_dir pattern regex why)
  if(ARGV3 STREQUAL "FLAT")
    file(GLOB files "${root}/${pattern}")
  else()
    file(GLOB_RECURSE files "${root}/${pattern}")
  endif()
  foreach(f IN LISTS files)
    file(STRINGS "${f}" hits REGEX "${regex}")
    foreach(h IN LISTS hits)
      file(RELATIVE_PATH rel "${root}" "${f}")
      set(violations "${violations}\n  ${rel}: ${h}  (${why})" PARENT_SCOPE)
    endforeach()
  endforeach()
endfunction()

set(inc "^[ \t]*#[ \t]*include[ \t]*[<\"]")
check_dir("protocol/*pp" "${inc}(caf/|boost/asio|boost/beast|spdlog/)"
          "protocol/ is pure")
check_dir("actors/*pp" "${inc}(boost/asio|boost/beast)"
          "actors/ never touch sockets")
check_dir("net/ports.hpp" "${inc}(caf/|boost/asio|boost/beast)"
          "ports are free of CAF and Asio")
set(os_test "#[ \t]*(if|elif).*(_WIN32|__APPLE__|__linux__)")
foreach(shared IN ITEMS "protocol/*pp" "net/*pp" "actors/*pp" "tools/*pp")
  check_dir("${shared}" "${os_test}" "OS code belongs in platform/<os>/")
endforeach()
check_dir("platform/*pp" "${os_test}" "OS code belongs in platform/<os>/" FLAT)
if(violations)
  message(FATAL_ERROR "layering violations:${violations}")
endif()
