// Test names as CTest sees them: catch_discover_tests splits a name at ';' into two tests that
// match nothing and fail, so no TEST_CASE name may hold one.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

TEST_CASE("test names: none holds a semicolon, which CTest would split", "[meta]") {
  const std::filesystem::path tests = std::filesystem::path(COHORT_SOURCE_DIR) / "tests";
  const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tests)) {
    if (entry.path().extension() != ".cpp") {
      continue;
    }
    std::ifstream in(entry.path());
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    for (auto at = text.find("TEST_CASE(\""); at != std::string::npos;
         at = text.find("TEST_CASE(\"", at + 1)) {
      // The name is the string literals before the tags (a literal that starts with '[').
      const auto end = text.find('{', at);
      std::string name;
      for (std::sregex_iterator i(text.begin() + static_cast<std::ptrdiff_t>(at),
                                  text.begin() + static_cast<std::ptrdiff_t>(end), literal),
           none;
           i != none; ++i) {
        const auto part = (*i)[1].str();
        if (!part.empty() && part.front() == '[') {
          break;
        }
        name += part;
      }
      ++seen;
      INFO(entry.path().filename().string() << ": " << name);
      CHECK(name.find(';') == std::string::npos);
    }
  }
  CHECK(seen > 100);
}
