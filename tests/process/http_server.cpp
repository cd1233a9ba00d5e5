#include "tests/process/http_server.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

namespace cohort::test {

using namespace std::chrono_literals;

http_server::http_server() : http_server("", "") {}

http_server::http_server(const std::string& cert, const std::string& key) : tls(!cert.empty()) {
  const auto port_file = dir.path() / "port";
  std::vector<std::string> argv{COHORT_HTTP_SERVER, port_file.string()};
  if (tls) {
    argv.push_back(cert);
    argv.push_back(key);
  }
  process = std::make_unique<background_process>(std::move(argv));
  const auto until = std::chrono::steady_clock::now() + start_timeout;
  while (true) {
    std::ifstream in(port_file);
    unsigned p = 0;
    if (in >> p && p != 0) {
      port = static_cast<std::uint16_t>(p);
      break;
    }
    INFO(process->report());
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(20ms);
  }
}

std::string http_server::url(const std::string& path) const {
  return (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port) + path;
}

nlohmann::json http_server::stats() const {
  const auto r = run_process({"python3", "-c",
                              "import urllib.request,sys;"
                              "sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read()"
                              ".decode())",
                              url("/stats")},
                             10s);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

} // namespace cohort::test
