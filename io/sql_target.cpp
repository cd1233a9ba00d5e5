// Parsing with libpq's own PQconninfoParse, so cohort reads a connection string as psql does.
#include "io/sql_target.hpp"

#include <libpq-fe.h>

#include <boost/asio/ip/address.hpp>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace cohort {

namespace {

bool is_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

} // namespace

sql_target parse_sql_target(const std::string& connection) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(connection.c_str(), &error), &PQconninfoFree);
  if (!parsed) {
    // libpq's words may quote the text, and the text may hold a password: not repeated.
    PQfreemem(error);
    throw std::invalid_argument("not a PostgreSQL connection string (key=value pairs, or a "
                                "postgresql:// URI)");
  }
  sql_target t;
  std::string host;
  std::string hostaddr;
  std::string options;
  bool encoding = false;
  bool application = false;
  for (auto* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) {
      continue;
    }
    const std::string key = o->keyword;
    std::string value = o->val;
    if (key == "password" || key == "sslpassword") {
      throw std::invalid_argument("a PostgreSQL connection string must not hold a password (it "
                                  "would reach the journal and the status page): put it in the "
                                  "workers' ~/.pgpass or PGPASSFILE");
    }
    if (key == "host") {
      host = value;
    } else if (key == "hostaddr") {
      hostaddr = value;
    } else if (key == "options") {
      options = value;
      continue;
    }
    encoding = encoding || key == "client_encoding";
    application = application || key == "application_name";
    if (key != "host" && key != "hostaddr") {
      t.options.emplace_back(key, value);
    }
  }
  if (host.empty()) {
    if (const char* env = std::getenv("PGHOST"); env != nullptr) {
      host = env;
    }
  }
  if (host.find(',') != std::string::npos || hostaddr.find(',') != std::string::npos) {
    throw std::invalid_argument("a PostgreSQL connection string names one host (give shards as "
                                "separate connection strings)");
  }
  if (!host.empty()) {
    t.options.emplace_back("host", host);
  }
  if (!hostaddr.empty()) {
    t.options.emplace_back("hostaddr", hostaddr);
  } else if (!host.empty() && host.front() != '/' && host.front() != '@') {
    if (is_address(host)) {
      t.options.emplace_back("hostaddr", host);
    } else {
      t.name_to_resolve = host;
    }
  }
  if (!encoding) {
    t.options.emplace_back("client_encoding", "UTF8");
  }
  if (!application) {
    t.options.emplace_back("application_name", "cohort");
  }
  t.options.emplace_back("options", options + (options.empty() ? "" : " ") +
                                        "-c client_connection_check_interval=1000");
  return t;
}

} // namespace cohort
