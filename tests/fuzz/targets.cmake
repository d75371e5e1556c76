# openmfd_add_fuzz_target(<name> <libraries...>): tests/fuzz/<name>_fuzz.cpp,
# corpus in tests/fuzz/corpus/<name>/.
openmfd_add_fuzz_target(engineio openmfd_protocol)
openmfd_add_fuzz_target(socketio openmfd_protocol)
openmfd_add_fuzz_target(key_combo openmfd_protocol)
openmfd_add_fuzz_target(bindings openmfd_protocol)
openmfd_add_fuzz_target(authorise openmfd_protocol)
openmfd_add_fuzz_target(trust_store openmfd_protocol)
openmfd_add_fuzz_target(cors openmfd_protocol)
openmfd_add_fuzz_target(tls_engine openmfd_net)
openmfd_add_fuzz_target(screens openmfd_protocol)
