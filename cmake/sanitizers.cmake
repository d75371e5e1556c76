# OPENMFD_SANITIZE=ON builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer. Reports abort the process (ASan always; UBSan
# through UBSAN_OPTIONS=halt_on_error=1, which still honours the suppression
# file, unlike -fno-sanitize-recover).
option(OPENMFD_SANITIZE "Build with ASan + UBSan" OFF)
if(OPENMFD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
