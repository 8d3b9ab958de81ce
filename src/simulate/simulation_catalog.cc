// The catalog's data (simulation_catalog.h), and the state machines and the
// tags file of a simulation (simulator.h: SimulatedStateMachines, TagsFileJson).
#include "simulate/simulation_catalog.h"

#include <fmt/format.h>

#include <iterator>
#include <string>

#include "core/json_writer.h"
#include "simulate/simulator.h"
#include "simulate/time_spans.h"

namespace exidx {
namespace simulate {
namespace {

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

constexpr OtherSpec kOtherCatalog[] = {
    {"nightly-etl",
     {{{"Team", "data"}, {"CostCenter", "4410"}}},
     R"({"source":"s3://datalake/raw/","target":"redshift"})",
     R"({"rowsLoaded":1834211})",
     2 * kHour},
    {"order-fulfillment", {}, R"({"orderId":"ORD-77812"})", R"({"shipped":true})", kHour},
    {"image-thumbnails", {{{"Team", "media"}, {}}}, R"({"key":"uploads/cat.jpg"})", R"({"thumbnails":3})", kHour},
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

}  // namespace

const AgentSpec& AgentSpecOf(int index) {
  return kAgentCatalog[static_cast<std::size_t>(index) % kAgentCatalogSize];
}

const OtherSpec& OtherSpecOf(int index) {
  return kOtherCatalog[static_cast<std::size_t>(index) % kOtherCatalogSize];
}

std::span<const FailureSpec> Failures() {
  return kFailures;
}

}  // namespace simulate

namespace {

using simulate::AgentSpecOf;
using simulate::kAgentCatalogSize;
using simulate::kOtherCatalog;
using simulate::kOtherCatalogSize;
using simulate::OtherSpecOf;

// Past the agent catalog's end, names repeat with the round as a suffix: "sql-agent-2".
std::string InRound(std::string_view name, int index) {
  const int round = index / static_cast<int>(kAgentCatalogSize);
  if (round == 0) return std::string(name);
  return fmt::format("{}-{}", name, round + 1);
}

std::string AgentNameOf(int index) {
  return InRound(AgentSpecOf(index).agent_name, index);
}

std::string AgentMachineNameOf(int index) {
  return InRound(AgentSpecOf(index).machine_name, index);
}

std::string OtherMachineNameOf(int index) {
  if (static_cast<std::size_t>(index) < kOtherCatalogSize) {
    return std::string(kOtherCatalog[index].machine_name);
  }
  return fmt::format("batch-job-{}", index + 1);
}

std::string StateMachineArn(const SimulationOptions& options, std::string_view name) {
  return fmt::format("arn:aws:states:{}:{}:stateMachine:{}", options.region, options.account, name);
}

}  // namespace

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

}  // namespace exidx
