#include "bad_input_table.h"

#include <fstream>
#include <stdexcept>

namespace raftlab::badinput {
namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// A cell's text: surrounding backticks dropped, `\|` unescaped.
std::string cell_text(std::string s) {
    s = trim(s);
    if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '|') continue;
        out += s[i];
    }
    return out;
}

// Splits a markdown table row on unescaped `|`.
std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += line[i];
        }
    }
    out.push_back(cur);
    // "| a | b |" gives "", " a ", " b ", "": drop the outer empties.
    if (!out.empty() && trim(out.front()).empty()) out.erase(out.begin());
    if (!out.empty() && trim(out.back()).empty()) out.pop_back();
    return out;
}

}  // namespace

std::vector<Row> read_tables(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::vector<Row> rows;
    std::string line, kind;
    int line_no = 0;
    bool header_seen = false;
    const std::string marker = "<!-- bad-input: ";
    while (std::getline(in, line)) {
        ++line_no;
        if (line.rfind(marker, 0) == 0) {
            kind = line.substr(marker.size(), line.find(" -->") - marker.size());
            header_seen = false;
            continue;
        }
        if (kind.empty()) continue;
        if (line.empty() || line[0] != '|') {
            if (header_seen) kind.clear();  // the table ended
            continue;
        }
        if (!header_seen) {  // the header row, then the |---| row
            header_seen = true;
            std::getline(in, line);
            ++line_no;
            continue;
        }
        const auto c = cells(line);
        if (c.size() != 4) {
            throw std::runtime_error(path + ":" + std::to_string(line_no) + ": a " + kind +
                                     " row needs 4 cells (case, input, exit, message), has " +
                                     std::to_string(c.size()));
        }
        Row r;
        r.kind = kind;
        r.input = cell_text(c[1]);
        r.exit_code = std::stoi(trim(c[2]));
        r.expected = cell_text(c[3]);
        r.line = line_no;
        rows.push_back(r);
    }
    return rows;
}

bool matches(const std::string& text, const std::string& expected) {
    const std::string ellipsis = "…";
    std::size_t at = 0, from = 0;
    while (true) {
        const std::size_t cut = expected.find(ellipsis, from);
        const std::string piece = trim(expected.substr(from, cut - from));
        if (!piece.empty()) {
            const std::size_t found = text.find(piece, at);
            if (found == std::string::npos) return false;
            at = found + piece.size();
        }
        if (cut == std::string::npos) return true;
        from = cut + ellipsis.size();
    }
}

}  // namespace raftlab::badinput
