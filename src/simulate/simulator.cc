#include "simulate/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <queue>

#include "core/json_writer.h"

namespace exidx {
namespace {

constexpr EpochMillis kSecond = 1000;
constexpr EpochMillis kMinute = 60 * kSecond;
constexpr EpochMillis kHour = 60 * kMinute;
constexpr EpochMillis kDay = 24 * kHour;

// ---------------------------------------------------------------------------
// Catalog: the state machines a simulation draws from.

struct AgentSpec {
  std::string_view agent_name;    // The AgentName tag.
  std::string_view machine_name;  // May differ from the agent name, as in real accounts.
  std::array<std::string_view, 2> prompts;
  std::array<std::string_view, 2> answers;
};

// Busiest first: popularity falls off as 1/rank.
constexpr AgentSpec kAgentCatalog[] = {
    {"sql-agent",
     "sql-agent-prod",
     {"How many orders last week?", "Top 10 customers by revenue this quarter"},
     {"1,204 orders", "Acme Corp leads with $1.2M"}},
    {"support-agent",
     "support-agent",
     {"My invoice shows the wrong VAT number", "How do I reset my password?"},
     {"Ticket SUP-2231 opened and VAT corrected", "Sent the reset link to the account email"}},
    {"research-agent",
     "research-agent-prod",
     {"Summarize recent papers on retrieval-augmented generation", "Compare vector databases for 10M docs"},
     {"Wrote a 2-page digest of 14 papers", "pgvector vs. OpenSearch vs. Pinecone table attached"}},
    {"code-review-agent",
     "code-review-agent",
     {"Review PR #4821", "Check this diff for SQL injection"},
     {"3 comments, 1 blocking", "No injection found; 1 unparameterized query flagged"}},
    {"data-analyst-agent",
     "data-analyst",
     {"Why did churn rise in September?", "Plot weekly active users by region"},
     {"Churn rose with the price change in EU", "Chart saved to s3://reports/wau.png"}},
    {"email-triage-agent",
     "email-triage-agent-v2",
     {"Triage the shared inbox", "Draft replies to unanswered leads"},
     {"42 emails labeled, 5 escalated", "Drafted 7 replies"}},
    {"summarizer-agent",
     "summarizer-agent",
     {"Summarize this 40-page contract", "TL;DR of today's incident channel"},
     {"Key terms: 24-month term, net-60", "Two incidents, both resolved"}},
    {"travel-agent",
     "travel-agent",
     {"Book a flight to Berlin on Oct 14", "Find a hotel near the venue under $200"},
     {"Booked LH 455, seat 12C", "Reserved Hotel Adlon, 2 nights"}},
    {"invoice-agent",
     "invoice-agent",
     {"Extract line items from invoice INV-8812", "Match PO 7781 to its invoices"},
     {"12 line items extracted", "3 invoices matched"}},
    {"onboarding-agent",
     "onboarding-agent",
     {"Onboard new hire Dana Kim", "Create accounts for the new interns"},
     {"Accounts created, laptop ordered", "5 accounts created"}},
    {"translation-agent",
     "translation-agent",
     {"Translate the release notes to German", "Translate this support reply to Japanese"},
     {"Release notes translated (1,830 words)", "Translation ready"}},
    {"sales-agent",
     "sales-agent-prod",
     {"Prepare a brief for the call with Globex", "Which deals slipped this month?"},
     {"Brief ready: 3 open opportunities", "4 deals slipped, $310k total"}},
    {"security-agent",
     "secops-triage",
     {"Investigate GuardDuty finding 7f3a", "Is this IP on any blocklist?"},
     {"Benign: scanner from known vendor", "Listed on 2 blocklists"}},
    {"docs-agent",
     "docs-agent",
     {"Where is the retry policy documented?", "Update the API reference for /v2/orders"},
     {"See docs/operations/retries.md", "Reference updated, PR #922"}},
    {"meeting-notes-agent",
     "meeting-notes-agent",
     {"Write notes for the weekly sync recording", "List action items from the design review"},
     {"Notes posted to the wiki", "6 action items assigned"}},
    {"compliance-agent",
     "compliance-agent",
     {"Check vendor Initech against our SOC 2 policy", "Which S3 buckets lack encryption?"},
     {"2 gaps found", "All buckets encrypted"}},
    {"pricing-agent",
     "pricing-agent",
     {"Suggest a price for the new Pro tier", "Simulate a 5% price increase"},
     {"Suggested $49/month", "Revenue +3.1%, churn +0.4%"}},
    {"qa-agent",
     "qa-agent",
     {"Generate test cases for the checkout flow", "Reproduce bug #5512"},
     {"31 test cases generated", "Reproduced on Safari 17"}},
    {"incident-agent",
     "incident-responder",
     {"Triage alarm HighLatency-api", "Draft the postmortem for INC-204"},
     {"Root cause: cold cache after deploy", "Postmortem draft ready"}},
    {"recruiting-agent",
     "recruiting-agent",
     {"Screen applicants for the SRE role", "Schedule interviews for candidate 118"},
     {"8 of 57 applicants shortlisted", "3 interviews scheduled"}},
    {"marketing-agent",
     "marketing-agent",
     {"Write 3 subject lines for the launch email", "Analyze last campaign's open rates"},
     {"3 subject lines drafted", "Open rate 31%, best on Tuesday"}},
    {"legal-agent",
     "contract-review-agent",
     {"Flag risky clauses in the Globex MSA", "Compare this NDA with our template"},
     {"2 clauses flagged: indemnity, auto-renewal", "4 deviations from template"}},
    {"forecast-agent",
     "forecast-agent",
     {"Forecast Q4 demand for SKU 1182", "Project cloud spend for next month"},
     {"Forecast: 12,400 units", "Projected $84k"}},
    {"devops-agent",
     "devops-agent",
     {"Why did the deploy of api v2.14 fail?", "Scale the worker pool for the batch job"},
     {"Health check timed out on port 8081", "Worker pool scaled to 12"}},
};

struct OtherSpec {
  std::string_view machine_name;
  std::array<std::pair<std::string_view, std::string_view>, 2> tags;  // Empty key: none.
  std::string_view input;
  std::string_view output;
  EpochMillis timeout;
};

constexpr OtherSpec kOtherCatalog[] = {
    {"nightly-etl",
     {{{"Team", "data"}, {"CostCenter", "4410"}}},
     R"({"source":"s3://datalake/raw/","target":"redshift"})",
     R"({"rowsLoaded":1834211})",
     2 * kHour},
    {"order-fulfillment", {}, R"({"orderId":"ORD-77812"})", R"({"shipped":true})", kHour},
    {"image-thumbnails",
     {{{"Team", "media"}, {}}},
     R"({"key":"uploads/cat.jpg"})",
     R"({"thumbnails":3})",
     kHour},
    // Type=Agent without Application: an agent only for --index-all or other tag rules.
    {"agent-playground",
     {{{"Type", "Agent"}, {"Team", "ml"}}},
     R"({"messages":[{"role":"user","content":"hello"}]})",
     R"({"answer":"Hi! How can I help?"})",
     kHour},
    {"report-export",
     {{{"Team", "finance"}, {}}},
     R"({"report":"monthly-revenue"})",
     R"({"url":"s3://reports/monthly-revenue.csv"})",
     kHour},
    {"invoice-export", {}, R"({"month":"current"})", R"({"files":2})", kHour},
};

constexpr std::size_t kAgentCatalogSize = std::size(kAgentCatalog);
constexpr std::size_t kOtherCatalogSize = std::size(kOtherCatalog);

struct FailureSpec {
  std::string_view error;
  std::string_view cause;
};

constexpr FailureSpec kFailures[] = {
    {"States.TaskFailed", R"({"errorMessage":"Tool web_search timed out","errorType":"TimeoutError"})"},
    {"States.TaskFailed",
     R"({"errorMessage":"Rate exceeded","errorType":"ThrottlingException","service":"bedrock-runtime"})"},
    {"States.TaskFailed",
     R"({"errorMessage":"Input is too long for requested model.","errorType":"ValidationException"})"},
    {"States.TaskFailed", R"({"errorMessage":"syntax error at or near \"GROUP\"","errorType":"ToolError"})"},
    {"Lambda.ServiceException",
     R"({"errorMessage":"Lambda was unable to decrypt the environment variables.","errorType":"KMSAccessDeniedException"})"},
    {"States.Runtime",
     "An error occurred while executing the state 'ParseToolCall' (entered at the event id #12). "
     "The JSONPath '$.tool.name' specified for the field 'Name.$' could not be found in the input '{}'"},
};

std::string AgentNameOf(int index) {
  const AgentSpec& spec = kAgentCatalog[static_cast<std::size_t>(index) % kAgentCatalogSize];
  const int round = index / static_cast<int>(kAgentCatalogSize);
  if (round == 0) return std::string(spec.agent_name);
  return fmt::format("{}-{}", spec.agent_name, round + 1);
}

std::string AgentMachineNameOf(int index) {
  const AgentSpec& spec = kAgentCatalog[static_cast<std::size_t>(index) % kAgentCatalogSize];
  const int round = index / static_cast<int>(kAgentCatalogSize);
  if (round == 0) return std::string(spec.machine_name);
  return fmt::format("{}-{}", spec.machine_name, round + 1);
}

std::string OtherMachineNameOf(int index) {
  if (static_cast<std::size_t>(index) < kOtherCatalogSize) {
    return std::string(kOtherCatalog[index].machine_name);
  }
  return fmt::format("batch-job-{}", index + 1);
}

const OtherSpec& OtherSpecOf(int index) {
  return kOtherCatalog[static_cast<std::size_t>(index) % kOtherCatalogSize];
}

std::string StateMachineArn(const SimulationOptions& options, std::string_view name) {
  return fmt::format("arn:aws:states:{}:{}:stateMachine:{}", options.region, options.account, name);
}

// ---------------------------------------------------------------------------
// Randomness: splitmix64 (Steele, Lea, Flood 2014), identical on every platform.

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t Mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Independent streams of randomness per (seed, purpose, item), so that one
// execution's draws never shift another's.
enum class Salt : std::uint64_t { kExecution = 1, kStart, kName, kNameLow, kEventId, kEventIdLow, kBuckets };

std::uint64_t Hash(std::uint64_t seed, Salt salt, std::uint64_t item) {
  return Mix64(Mix64(seed ^ (static_cast<std::uint64_t>(salt) * kGolden)) + item * kGolden);
}

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t state) : state_(state) {}
  std::uint64_t Next() { return Mix64(state_ += kGolden); }
  // Uniform in [0, n); n > 0.
  std::uint64_t Below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  EpochMillis Between(EpochMillis lo, EpochMillis hi) {  // [lo, hi]
    return lo + static_cast<EpochMillis>(Below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  bool Chance(std::uint64_t threshold53) { return (Next() >> 11) < threshold53; }

 private:
  std::uint64_t state_;
};

// A probability as a threshold on 53 random bits: exact and platform-independent.
std::uint64_t Threshold53(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return std::uint64_t{1} << 53;
  return static_cast<std::uint64_t>(p * 9007199254740992.0);
}

// ---------------------------------------------------------------------------
// What happens to an execution.

// Outcomes per 10,000 executions.
constexpr std::uint64_t kSucceededPer10k = 8500;
constexpr std::uint64_t kFailedPer10k = 750;
constexpr std::uint64_t kRedrivenPer10k = 50;  // FAILED, then redriven.
constexpr std::uint64_t kTimedOutPer10k = 200;
constexpr std::uint64_t kAbortedPer10k = 200;
constexpr std::uint64_t kRunningPer10k = 300;
static_assert(kSucceededPer10k + kFailedPer10k + kRedrivenPer10k + kTimedOutPer10k + kAbortedPer10k +
                  kRunningPer10k ==
              10000);

// Events per execution, and those that have a later event of the same
// execution (only those can arrive out of order): to turn reorder_rate, a
// fraction of all events, into a chance per eligible event.
constexpr double kEventsPer10k = 2.0 * (10000 - kRunningPer10k) + kRunningPer10k + 2.0 * kRedrivenPer10k;
constexpr double kEligiblePer10k = (10000 - kRunningPer10k) + 2.0 * kRedrivenPer10k;

constexpr int kRedrivenSucceedPercent = 80;

enum class Outcome { kSucceeded, kFailed, kRedriven, kTimedOut, kAborted, kRunning };

Outcome DrawOutcome(SplitMix64& rng) {
  std::uint64_t u = rng.Below(10000);
  if (u < kSucceededPer10k) return Outcome::kSucceeded;
  u -= kSucceededPer10k;
  if (u < kFailedPer10k) return Outcome::kFailed;
  u -= kFailedPer10k;
  if (u < kRedrivenPer10k) return Outcome::kRedriven;
  u -= kRedrivenPer10k;
  if (u < kTimedOutPer10k) return Outcome::kTimedOut;
  u -= kTimedOutPer10k;
  if (u < kAbortedPer10k) return Outcome::kAborted;
  return Outcome::kRunning;
}

// Inverse CDF of a typical agent run, piecewise linear: quantile (per 65,536)
// -> milliseconds. Median 15 s, 80% in 5-45 s, 3% over 4 minutes, the longest
// close to an hour.
struct DurationPoint {
  std::uint64_t quantile;
  EpochMillis millis;
};
constexpr DurationPoint kDurations[] = {
    {0, 2'000},        {3'277, 4'000},    {6'554, 5'500},      {16'384, 9'000},
    {32'768, 15'000},  {49'152, 25'000},  {58'982, 42'000},    {61'604, 75'000},
    {63'570, 240'000}, {64'881, 900'000}, {65'405, 2'400'000}, {65'536, 3'300'000},
};

EpochMillis DrawDuration(SplitMix64& rng, int speed_percent, EpochMillis timeout) {
  const std::uint64_t u = rng.Below(65'536);
  std::size_t i = 1;
  while (kDurations[i].quantile <= u) ++i;
  const DurationPoint& lo = kDurations[i - 1];
  const DurationPoint& hi = kDurations[i];
  const EpochMillis base =
      lo.millis +
      static_cast<EpochMillis>((u - lo.quantile) * static_cast<std::uint64_t>(hi.millis - lo.millis) /
                               (hi.quantile - lo.quantile));
  const EpochMillis scaled = base * speed_percent / 100;
  // A run that would hit the timeout is cut just short of it (TIMED_OUT is drawn apart).
  return std::min(scaled, timeout - 1 - rng.Between(0, 59'999));
}

// Start-time weight by UTC hour: busy in European and American working hours.
constexpr std::uint64_t kHourWeights[24] = {30, 25, 20, 18,  18,  20, 25, 35, 50, 60, 65, 65,
                                            70, 80, 90, 100, 100, 95, 90, 85, 75, 60, 45, 35};
constexpr std::uint64_t kWeekendPercent = 40;
constexpr std::int64_t kMaxBuckets = std::int64_t{1} << 20;

constexpr std::size_t kMaxEventsPerExecution = 4;
constexpr EpochMillis kMinLatency = 100;
constexpr EpochMillis kMaxLatency = 999;  // Below the shortest gap between two events (1.4 s).

void AppendInt(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

using UuidText = std::array<char, 36>;

UuidText FormatUuid(std::uint64_t high, std::uint64_t low) {
  static constexpr char kHex[] = "0123456789abcdef";
  UuidText text;
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) text[pos++] = '-';
    const std::uint64_t word = i < 16 ? high : low;
    text[pos++] = kHex[(word >> (60 - 4 * (i % 16))) & 0xF];
  }
  return text;
}

void Append(std::string& out, const UuidText& text) { out.append(text.data(), text.size()); }

void Check(const Status& status) {
  if (!status) {
    std::fprintf(stderr, "EventSimulator: %s\n", status.error().message.c_str());
    std::abort();
  }
}

bool IsRegionLike(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  return std::all_of(region.begin(), region.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool IsAccountId(std::string_view account) {
  return account.size() == 12 &&
         std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// ---------------------------------------------------------------------------

SimulationOptions DefaultSimulationOptions(EpochMillis now) {
  SimulationOptions options;
  options.window_end = now;
  options.window_start = now - 30 * kDay;
  return options;
}

Status ValidateSimulationOptions(const SimulationOptions& o) {
  auto bad = [](std::string message) { return Fail(ErrorCode::kInvalidParameter, std::move(message)); };
  const bool live = o.executions_per_second > 0;
  if (!(o.executions_per_second >= 0 && o.executions_per_second <= 1e6)) {
    return bad("executions_per_second: expected 0 (window mode) to 1000000");
  }
  if (o.executions < 0) return bad(fmt::format("executions: must not be negative, got {}", o.executions));
  if (!live && o.executions > (std::int64_t{1} << 40)) {
    return bad(
        fmt::format("executions: at most {} in window mode, got {}", std::int64_t{1} << 40, o.executions));
  }
  if (o.agents < 1 || o.agents > 1000) {
    return bad(fmt::format("agents: expected 1 to 1000, got {}", o.agents));
  }
  if (o.non_agent_machines < 0 || o.non_agent_machines > 100) {
    return bad(fmt::format("non_agent_machines: expected 0 to 100, got {}", o.non_agent_machines));
  }
  if (!IsRegionLike(o.region)) {
    return bad("region: expected lower-case letters, digits and '-', got " + Quoted(o.region));
  }
  if (!IsAccountId(o.account)) return bad("account: expected 12 digits, got " + Quoted(o.account));
  if (!(o.duplicate_rate >= 0 && o.duplicate_rate <= 1)) return bad("duplicate_rate: expected 0 to 1");
  if (!(o.reorder_rate >= 0 && o.reorder_rate <= 0.5)) return bad("reorder_rate: expected 0 to 0.5");
  // Room after the window for the longest execution, redrive and delivery.
  constexpr EpochMillis kLatest = kMaxEpochMillis - 366 * kDay;
  if (live) {
    if (o.window_start < 0 || o.window_start > kLatest) {
      return bad(fmt::format("window_start: out of range: {}", o.window_start));
    }
    return {};
  }
  if (o.window_start < 0 || o.window_end > kLatest || o.window_start >= o.window_end) {
    return bad(fmt::format("window: expected 0 <= start < end <= {}, got [{}, {})", kLatest, o.window_start,
                           o.window_end));
  }
  return {};
}

std::vector<SimulatedStateMachine> SimulatedStateMachines(const SimulationOptions& options) {
  std::vector<SimulatedStateMachine> machines;
  machines.reserve(static_cast<std::size_t>(options.agents + options.non_agent_machines));
  for (int i = 0; i < options.agents; ++i) {
    SimulatedStateMachine m;
    m.name = AgentMachineNameOf(i);
    m.arn = StateMachineArn(options, m.name);
    m.tags = {{"Type", "Agent"}, {"Application", "StepFunctionsAgent"}, {"AgentName", AgentNameOf(i)}};
    m.is_agent = true;
    machines.push_back(std::move(m));
  }
  for (int i = 0; i < options.non_agent_machines; ++i) {
    SimulatedStateMachine m;
    m.name = OtherMachineNameOf(i);
    m.arn = StateMachineArn(options, m.name);
    for (const auto& [key, value] : OtherSpecOf(i).tags) {
      if (!key.empty()) m.tags.emplace_back(key, value);
    }
    machines.push_back(std::move(m));
  }
  return machines;
}

std::string TagsFileJson(const SimulationOptions& options) {
  JsonWriter w;
  w.BeginObject();
  for (const SimulatedStateMachine& m : SimulatedStateMachines(options)) {
    if (m.tags.empty()) continue;
    w.Key(m.arn);
    w.BeginObject();
    for (const auto& [key, value] : m.tags) {
      w.Key(key);
      w.String(value);
    }
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

// ---------------------------------------------------------------------------

class EventSimulator::Impl {
 public:
  explicit Impl(const SimulationOptions& options);
  bool Next(std::string& line, EpochMillis* delivery_time);
  void SetObserver(std::function<void(const SimulatedExecution&)> observer) {
    observer_ = std::move(observer);
  }

 private:
  // The rendering of one state machine that every event of it shares.
  struct Machine {
    std::string arn_json;                // Quoted.
    std::string execution_prefix;        // "arn:aws:states:<region>:<account>:execution:<name>:"
    std::array<std::string, 2> inputs;   // Quoted JSON strings.
    std::array<std::string, 2> outputs;  // Quoted JSON strings.
    EpochMillis timeout = kHour;
    int speed_percent = 100;
  };

  // An event waiting for its delivery time: plain data, rendered when delivered.
  struct PendingEvent {
    EpochMillis delivery = 0;
    std::uint64_t sequence = 0;
    std::int64_t number = 0;  // Of the execution, in start order.
    EpochMillis occurred = 0;
    EpochMillis start = 0;
    EpochMillis stop = -1;          // -1: null.
    EpochMillis redrive_date = -1;  // -1: not redriven.
    std::uint32_t machine = 0;
    ExecutionStatus status = ExecutionStatus::kRunning;
    std::uint8_t ordinal = 0;  // Of the event within its execution: picks its id.
    std::uint8_t redrive_count = 0;
    std::uint8_t failure = 0;
    std::uint8_t variant = 0;  // Which prompt and answer.
  };

  struct LaterDelivery {
    bool operator()(const PendingEvent& a, const PendingEvent& b) const {
      return a.delivery != b.delivery ? a.delivery > b.delivery : a.sequence > b.sequence;
    }
  };

  void BuildStartBuckets();
  bool HasMoreExecutions() const { return planned_ < options_.executions && next_start_ >= 0; }
  void ComputeNextStart();
  void PlanNextExecution();
  UuidText ExecutionName(std::int64_t number) const;
  void AppendTime(std::string& out, EpochMillis t);
  void Render(const PendingEvent& event, std::string& out);

  SimulationOptions options_;
  bool live_ = false;
  std::vector<Machine> machines_;
  std::vector<std::string> state_machine_arns_;
  std::vector<std::uint64_t> machine_weights_;  // Cumulative.
  std::string account_json_;
  std::string region_json_;
  std::vector<std::string> failures_json_;  // `,"error":...,"cause":...`

  // Start times, window mode: cumulative weights of buckets of bucket_millis_.
  std::vector<std::uint64_t> bucket_weights_;
  EpochMillis bucket_millis_ = kHour;
  std::size_t bucket_cursor_ = 0;
  std::int64_t live_interval_micros_ = 0;

  EpochMillis clip_ = 0;        // Events that would occur at or after this are left out.
  std::int64_t planned_ = 0;    // Executions planned so far.
  EpochMillis next_start_ = 0;  // Start of execution `planned_`; -1 past the end of time.
  std::uint64_t sequence_ = 0;
  std::uint64_t reorder_threshold_ = 0;
  std::uint64_t duplicate_threshold_ = 0;
  std::priority_queue<PendingEvent, std::vector<PendingEvent>, LaterDelivery> pending_;
  std::function<void(const SimulatedExecution&)> observer_;
  std::string scratch_;
  std::int64_t cached_day_ = std::numeric_limits<std::int64_t>::min();
  std::string cached_date_;  // "YYYY-MM-DD" of cached_day_.
};

EventSimulator::Impl::Impl(const SimulationOptions& options)
    : options_(options), live_(options.executions_per_second > 0) {
  Check(ValidateSimulationOptions(options));
  account_json_ = JsonQuote(options.account);
  region_json_ = JsonQuote(options.region);
  for (const FailureSpec& f : kFailures) {
    failures_json_.push_back(
        fmt::format(R"(,"error":{},"cause":{})", JsonQuote(f.error), JsonQuote(f.cause)));
  }

  // Popularity: agent i has weight 1/(i+1); the non-agents share 10% of all.
  constexpr std::uint64_t kScale = std::uint64_t{1} << 40;
  std::uint64_t total = 0;
  for (int i = 0; i < options.agents; ++i) {
    total += kScale / static_cast<std::uint64_t>(i + 1);
    machine_weights_.push_back(total);
  }
  const std::uint64_t agent_total = total;
  for (int i = 0; i < options.non_agent_machines; ++i) {
    total += agent_total / 9 / static_cast<std::uint64_t>(options.non_agent_machines);
    machine_weights_.push_back(total);
  }

  std::vector<SimulatedStateMachine> catalog = SimulatedStateMachines(options);
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    const SimulatedStateMachine& sm = catalog[i];
    Machine m;
    m.arn_json = JsonQuote(sm.arn);
    m.execution_prefix =
        fmt::format("arn:aws:states:{}:{}:execution:{}:", options.region, options.account, sm.name);
    const int index = static_cast<int>(i);
    if (index < options.agents) {
      const AgentSpec& spec = kAgentCatalog[i % kAgentCatalogSize];
      for (std::size_t v = 0; v < 2; ++v) {
        JsonWriter input;
        input.BeginObject();
        input.Key("messages");
        input.BeginArray();
        input.BeginObject();
        input.Key("role");
        input.String("user");
        input.Key("content");
        input.String(spec.prompts[v]);
        input.EndObject();
        input.EndArray();
        input.EndObject();
        m.inputs[v] = JsonQuote(input.Take());
        JsonWriter output;
        output.BeginObject();
        output.Key("answer");
        output.String(spec.answers[v]);
        output.EndObject();
        m.outputs[v] = JsonQuote(output.Take());
      }
      m.timeout = kHour;
      m.speed_percent = 70 + static_cast<int>(Mix64(i + 1) % 81);
    } else {
      const OtherSpec& spec = OtherSpecOf(index - options.agents);
      m.inputs = {JsonQuote(spec.input), JsonQuote(spec.input)};
      m.outputs = {JsonQuote(spec.output), JsonQuote(spec.output)};
      m.timeout = spec.timeout;
      m.speed_percent = 100;
    }
    machines_.push_back(std::move(m));
    state_machine_arns_.push_back(sm.arn);
  }

  reorder_threshold_ = Threshold53(std::min(1.0, options.reorder_rate * (kEventsPer10k / kEligiblePer10k)));
  duplicate_threshold_ = Threshold53(options.duplicate_rate);
  if (live_) {
    live_interval_micros_ = std::max<std::int64_t>(1, std::llround(1e6 / options.executions_per_second));
    clip_ = kMaxEpochMillis;
  } else {
    BuildStartBuckets();
    clip_ = options.window_end;
  }
  ComputeNextStart();
}

// Splits the window into buckets (an hour, or more for windows over ~120
// years) weighted by hour of day, weekday and some noise, so that traffic has
// a daily rhythm and bursts.
void EventSimulator::Impl::BuildStartBuckets() {
  const EpochMillis window = options_.window_end - options_.window_start;
  bucket_millis_ = kHour;
  if (window / kHour >= kMaxBuckets) bucket_millis_ = window / kMaxBuckets + 1;
  SplitMix64 rng(Hash(options_.seed, Salt::kBuckets, 0));
  bucket_weights_.push_back(0);
  std::uint64_t total = 0;
  for (EpochMillis t = options_.window_start; t < options_.window_end; t += bucket_millis_) {
    const EpochMillis length = std::min(bucket_millis_, options_.window_end - t);
    const std::int64_t hour = t / kHour % 24;
    const std::int64_t weekday = (t / kDay + 4) % 7;  // 1970-01-01 was a Thursday; 0 is Sunday.
    const std::uint64_t day_percent = (weekday == 0 || weekday == 6) ? kWeekendPercent : 100;
    const std::uint64_t noise_percent = 50 + rng.Below(101);
    const std::uint64_t full = kHourWeights[hour] * day_percent * noise_percent;
    total += std::max<std::uint64_t>(
        1, full * static_cast<std::uint64_t>(length) / static_cast<std::uint64_t>(bucket_millis_));
    bucket_weights_.push_back(total);
  }
}

// Start times are stratified: execution k lands at quantile (k + u) / N of the
// window's weight, so they come out in order without being held in memory.
void EventSimulator::Impl::ComputeNextStart() {
  if (planned_ >= options_.executions) return;
  const std::uint64_t random = Hash(options_.seed, Salt::kStart, static_cast<std::uint64_t>(planned_));
  const auto k = static_cast<unsigned __int128>(planned_);
  if (live_) {
    const unsigned __int128 micros = k * static_cast<std::uint64_t>(live_interval_micros_) +
                                     random % static_cast<std::uint64_t>(live_interval_micros_);
    const unsigned __int128 start = static_cast<unsigned __int128>(options_.window_start) + micros / 1000;
    // The end of time (year 9999) ends even an unbounded stream.
    next_start_ = start > static_cast<unsigned __int128>(kMaxEpochMillis - 366 * kDay)
                      ? -1
                      : static_cast<EpochMillis>(start);
    return;
  }
  const std::uint64_t total = bucket_weights_.back();
  const unsigned __int128 jitter = (static_cast<unsigned __int128>(random >> 32) * total) >> 32;
  const auto x =
      static_cast<std::uint64_t>((k * total + jitter) / static_cast<std::uint64_t>(options_.executions));
  while (bucket_weights_[bucket_cursor_ + 1] <= x) ++bucket_cursor_;
  const EpochMillis bucket_start =
      options_.window_start + static_cast<EpochMillis>(bucket_cursor_) * bucket_millis_;
  const EpochMillis length = std::min(bucket_millis_, options_.window_end - bucket_start);
  const std::uint64_t weight = bucket_weights_[bucket_cursor_ + 1] - bucket_weights_[bucket_cursor_];
  next_start_ = bucket_start + static_cast<EpochMillis>((x - bucket_weights_[bucket_cursor_]) *
                                                        static_cast<std::uint64_t>(length) / weight);
}

void EventSimulator::Impl::PlanNextExecution() {
  const std::int64_t number = planned_;
  const EpochMillis start = next_start_;
  ++planned_;
  ComputeNextStart();

  SplitMix64 rng(Hash(options_.seed, Salt::kExecution, static_cast<std::uint64_t>(number)));
  const std::uint64_t pick = rng.Below(machine_weights_.back());
  const auto machine_index = static_cast<std::uint32_t>(
      std::upper_bound(machine_weights_.begin(), machine_weights_.end(), pick) - machine_weights_.begin());
  const Machine& machine = machines_[machine_index];
  const Outcome outcome = DrawOutcome(rng);

  PendingEvent base;
  base.number = number;
  base.start = start;
  base.machine = machine_index;
  base.failure = static_cast<std::uint8_t>(rng.Below(std::size(kFailures)));
  base.variant = static_cast<std::uint8_t>(rng.Below(2));

  std::array<PendingEvent, kMaxEventsPerExecution> events;
  std::size_t count = 0;
  auto add = [&](EpochMillis occurred, ExecutionStatus status, EpochMillis stop) -> bool {
    if (occurred >= clip_) return false;
    PendingEvent& e = events[count] = base;
    e.ordinal = static_cast<std::uint8_t>(count);
    e.occurred = occurred;
    e.status = status;
    e.stop = stop;
    ++count;
    return true;
  };

  add(start, ExecutionStatus::kRunning, -1);
  if (outcome != Outcome::kRunning) {
    ExecutionStatus status = ExecutionStatus::kSucceeded;
    EpochMillis duration = 0;
    switch (outcome) {
      case Outcome::kFailed:
      case Outcome::kRedriven: status = ExecutionStatus::kFailed; break;
      case Outcome::kTimedOut: status = ExecutionStatus::kTimedOut; break;
      case Outcome::kAborted: status = ExecutionStatus::kAborted; break;
      default: break;
    }
    if (outcome == Outcome::kTimedOut) {
      duration = machine.timeout + rng.Between(0, 999);
    } else {
      duration = DrawDuration(rng, machine.speed_percent, machine.timeout);
    }
    const EpochMillis stop = start + duration;
    if (add(stop, status, stop) && outcome == Outcome::kRedriven) {
      // Someone notices the failure and redrives it from the failed state.
      const EpochMillis redrive = stop + rng.Between(5 * kMinute, 6 * kHour);
      base.redrive_count = 1;
      base.redrive_date = redrive;
      if (add(redrive, ExecutionStatus::kRunning, -1)) {
        const EpochMillis stop2 = redrive + DrawDuration(rng, machine.speed_percent, machine.timeout);
        const ExecutionStatus final_status =
            rng.Below(100) < kRedrivenSucceedPercent ? ExecutionStatus::kSucceeded : ExecutionStatus::kFailed;
        add(stop2, final_status, stop2);
      }
    }
  }

  // Delivery, last event first: an event picked for reordering arrives after
  // its successor. Otherwise latencies (<1 s) are below any gap between two
  // events of an execution, so nothing else arrives out of order.
  for (std::size_t i = count; i-- > 0;) {
    PendingEvent& e = events[i];
    e.delivery = e.occurred + rng.Between(kMinLatency, kMaxLatency);
    if (i + 1 < count && rng.Chance(reorder_threshold_)) {
      e.delivery = events[i + 1].delivery + rng.Between(1, 5 * kSecond);
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    PendingEvent& e = events[i];
    e.sequence = sequence_++;
    pending_.push(e);
    if (rng.Chance(duplicate_threshold_)) {
      PendingEvent copy = e;
      copy.delivery += rng.Between(200, 10 * kSecond);
      copy.sequence = sequence_++;
      pending_.push(copy);
    }
  }

  if (observer_) {
    const PendingEvent& last = events[count - 1];
    scratch_ = machine.execution_prefix;
    Append(scratch_, ExecutionName(number));
    SimulatedExecution execution;
    execution.execution_arn = scratch_;
    execution.state_machine_arn = state_machine_arns_[machine_index];
    execution.status = last.status;
    execution.start_date = start;
    if (last.stop >= 0) execution.stop_date = last.stop;
    execution.redrive_count = last.redrive_count;
    execution.events = static_cast<int>(count);
    observer_(execution);
  }
}

// Execution names as the console makes them: a random UUID.
UuidText EventSimulator::Impl::ExecutionName(std::int64_t number) const {
  const auto n = static_cast<std::uint64_t>(number);
  return FormatUuid(Hash(options_.seed, Salt::kName, n), Hash(options_.seed, Salt::kNameLow, n));
}

// "YYYY-MM-DDTHH:MM:SSZ", as EventBridge writes `time`.
void EventSimulator::Impl::AppendTime(std::string& out, EpochMillis t) {
  const std::int64_t day = t / kDay;  // t >= 0.
  if (day != cached_day_) {
    cached_day_ = day;
    cached_date_ = FormatTimestamp(day * kDay).substr(0, 10);
  }
  const std::int64_t seconds = t % kDay / kSecond;
  const int parts[3] = {static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                        static_cast<int>(seconds % 60)};
  out += cached_date_;
  char text[10] = {'T', 0, 0, ':', 0, 0, ':', 0, 0, 'Z'};
  for (int i = 0; i < 3; ++i) {
    text[1 + 3 * i] = static_cast<char>('0' + parts[i] / 10);
    text[2 + 3 * i] = static_cast<char>('0' + parts[i] % 10);
  }
  out.append(text, sizeof text);
}

// Field names, order and types follow AWS's events (see /work/shared/samples).
// Every string written unquoted here is generated from [0-9a-z:-] (validated
// region and account, catalog names, hex); the rest was quoted by JsonQuote.
void EventSimulator::Impl::Render(const PendingEvent& e, std::string& out) {
  const Machine& m = machines_[e.machine];
  const std::uint64_t event_key = static_cast<std::uint64_t>(e.number) * kMaxEventsPerExecution + e.ordinal;
  const UuidText name = ExecutionName(e.number);
  out += R"({"version":"0","id":")";
  Append(out, FormatUuid(Hash(options_.seed, Salt::kEventId, event_key),
                         Hash(options_.seed, Salt::kEventIdLow, event_key)));
  out += R"(","detail-type":"Step Functions Execution Status Change","source":"aws.states","account":)";
  out += account_json_;
  out += R"(,"time":")";
  AppendTime(out, e.occurred);
  out += R"(","region":)";
  out += region_json_;
  out += R"(,"resources":[")";
  out += m.execution_prefix;
  Append(out, name);
  out += R"("],"detail":{"executionArn":")";
  out += m.execution_prefix;
  Append(out, name);
  out += R"(","stateMachineArn":)";
  out += m.arn_json;
  out += R"(,"name":")";
  Append(out, name);
  out += R"(","status":")";
  out += StatusName(e.status);
  out += R"(","startDate":)";
  AppendInt(out, e.start);
  out += R"(,"stopDate":)";
  if (e.stop >= 0) {
    AppendInt(out, e.stop);
  } else {
    out += "null";
  }
  const bool succeeded = e.status == ExecutionStatus::kSucceeded;
  out += R"(,"input":)";
  out += m.inputs[e.variant];
  out += R"(,"output":)";
  out += succeeded ? std::string_view(m.outputs[e.variant]) : std::string_view("null");
  out += R"(,"inputDetails":{"included":true},"outputDetails":)";
  out += succeeded ? R"({"included":true})" : "null";
  if (e.status == ExecutionStatus::kFailed) out += failures_json_[e.failure];
  if (e.redrive_count > 0) {
    out += R"(,"redriveCount":)";
    AppendInt(out, e.redrive_count);
    out += R"(,"redriveDate":)";
    AppendInt(out, e.redrive_date);
    if (e.status == ExecutionStatus::kFailed) {
      out += R"(,"redriveStatus":"REDRIVABLE")";
    } else {
      out += R"(,"redriveStatus":"NOT_REDRIVABLE","redriveStatusReason":"Execution is )";
      out += StatusName(e.status);
      out += R"( and cannot be redriven")";
    }
  }
  out += "}}";
}

bool EventSimulator::Impl::Next(std::string& line, EpochMillis* delivery_time) {
  // Every event not yet planned is delivered after next_start_ (it occurs at
  // or after it, plus latency), so the earliest pending one before that is next.
  while (HasMoreExecutions() && (pending_.empty() || pending_.top().delivery > next_start_)) {
    PlanNextExecution();
  }
  if (pending_.empty()) return false;
  const PendingEvent event = pending_.top();
  pending_.pop();
  Render(event, line);
  if (delivery_time != nullptr) *delivery_time = event.delivery;
  return true;
}

// ---------------------------------------------------------------------------

EventSimulator::EventSimulator(const SimulationOptions& options) : impl_(std::make_unique<Impl>(options)) {}
EventSimulator::~EventSimulator() = default;
EventSimulator::EventSimulator(EventSimulator&&) noexcept = default;
EventSimulator& EventSimulator::operator=(EventSimulator&&) noexcept = default;

bool EventSimulator::Next(std::string& line, EpochMillis* delivery_time) {
  return impl_->Next(line, delivery_time);
}

void EventSimulator::SetExecutionObserver(std::function<void(const SimulatedExecution&)> observer) {
  impl_->SetObserver(std::move(observer));
}

Status WriteSimulation(const SimulationOptions& options, std::ostream& events) {
  if (auto valid = ValidateSimulationOptions(options); !valid) return valid;
  if (options.executions == kUnboundedExecutions) {
    return Fail(ErrorCode::kInvalidParameter, "executions: an unbounded stream cannot be written whole");
  }
  EventSimulator simulator(options);
  constexpr std::size_t kFlushBytes = 1 << 20;
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  while (simulator.Next(buffer)) {
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes) {
      events.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
      if (!events) return Fail(ErrorCode::kInternal, "writing the simulated events failed");
    }
  }
  events.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  events.flush();
  if (!events) return Fail(ErrorCode::kInternal, "writing the simulated events failed");
  return {};
}

}  // namespace exidx
