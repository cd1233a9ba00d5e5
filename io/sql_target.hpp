// Where a libpq connection string leads, checked: no password, one host, and the host name (if
// any) to look up off libpq, since PQconnectStart resolves names synchronously.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cohort {

struct sql_target {
  /// Keywords and values for PQconnectStartParams, without the address of a looked-up name.
  std::vector<std::pair<std::string, std::string>> options;
  /// A host name to look up and pass as hostaddr; empty when the host is an address, a socket
  /// directory, or given with hostaddr.
  std::string name_to_resolve;
};

/// Reads `connection` (key=value pairs or a postgresql:// URI) and PGHOST; throws
/// std::invalid_argument naming what is wrong. Adds client_encoding=UTF8, application_name=cohort
/// unless given, and client_connection_check_interval=1s so the server stops the query of a
/// connection cohort closed.
sql_target parse_sql_target(const std::string& connection);

} // namespace cohort
