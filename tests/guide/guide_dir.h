// A private copy of scenarios/single-node-expansion/ (Makefile and the
// guide's three config files) in a temp dir, driven by the same `make`
// targets a person types. The copy keeps each test's ./db and ./logs apart
// from the source tree and from other runs.
#pragma once

#include <QStringList>
#include <QTemporaryDir>
#include <chrono>
#include <string>

namespace raftlab::testing {

struct MakeResult {
    int code = -1;       // make's exit status; -1 if it did not finish in time
    std::string output;  // stdout and stderr, interleaved as printed
};

class GuideDir {
  public:
    GuideDir();
    // Stops every node the Makefile started (make clean), then SIGKILLs any
    // pid file's process that is still alive, so no node outlives the test.
    ~GuideDir();

    bool ok() const { return !dir_.empty(); }
    const std::string& dir() const { return dir_; }

    // `make -C <copy> RAFTLAB_BIN=<build>/bin <args...>`.
    MakeResult make(const QStringList& args,
                    std::chrono::seconds timeout = std::chrono::seconds(90));

    std::string log(int node) const;  // logs/node<N>.log ("" if none)
    int pid(int node) const;          // from logs/node<N>.pid, -1 if none
    std::string config_path(int node) const;

  private:
    QTemporaryDir tmp_;
    std::string dir_;
};

// Index of the first occurrence of `needle` in `text` at or after `from`;
// std::string::npos if absent.
std::size_t find_from(const std::string& text, const std::string& needle, std::size_t from = 0);

}  // namespace raftlab::testing
