# corpus in tests/fuzz/corpus/<name>/.
