// The master's status page (GET /): one self-contained HTML document (CSS and script inline, no
// external assets) holding the first state, rendered at once, then refreshed from /api/status.
#pragma once

#include "core/status_view.hpp"

#include <string>

namespace cohort {

std::string status_page(const status_view& v);

} // namespace cohort
