// docs/bad-input.md is this suite's data: every row of a table marked
// `<!-- bad-input: KIND -->` is one case (input, expected exit code, and the
// message a person sees, with `…` standing for the parts that vary from run
// to run: paths, ports). The doc and the tests cannot drift apart.
#pragma once

#include <string>
#include <vector>

namespace raftlab::badinput {

struct Row {
    std::string kind;      // config, node-cli, ctl, client, scenario, scenario-cli
    std::string input;     // the Input column, backticks removed
    int exit_code = 0;     // the Exit column
    std::string expected;  // the message column, backticks removed
    int line = 0;          // line in the markdown file, for failure messages
};

// Reads every marked table of the markdown file. Throws std::runtime_error
// naming the line of a malformed row.
std::vector<Row> read_tables(const std::string& markdown_path);

// True if every piece of `expected` between `…` occurs in `text`, in order.
bool matches(const std::string& text, const std::string& expected);

}  // namespace raftlab::badinput
