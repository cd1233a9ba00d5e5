// Why a connection or a listening port fails, asked of the system with a socket of our own: CAF
// 0.17 keeps no errno in its network errors.
#pragma once

#include "cohort/endpoint.hpp"

#include <string>

namespace cohort {

/// Why a TCP connection to `at` fails, as the system says it ("connection refused", "no route to
/// host"); empty when one succeeds now.
std::string why_cannot_connect(const endpoint& at);

/// Why `at` cannot be listened on ("address already in use", "cannot assign requested
/// address"); empty when it can now.
std::string why_cannot_listen(const endpoint& at);

} // namespace cohort
