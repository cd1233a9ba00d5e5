// A shared library that is no cohort plugin: it exports neither entry point.
extern "C" int cohort_test_answer() {
  return 42;
}
