using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalDapr.PubSub;

public sealed record RouteRule(RouteExpression Match, string Path);

public sealed record BulkSubscribeOptions(bool Enabled, int MaxMessagesCount, TimeSpan MaxAwaitDuration);

/// <summary>One subscription of an app to a topic: where each event goes, its dead-letter topic, and bulk delivery.</summary>
public sealed record Subscription(
    string PubSubName,
    string Topic,
    IReadOnlyList<RouteRule> Rules,
    string? DefaultPath,
    string? DeadLetterTopic,
    IReadOnlyDictionary<string, string> Metadata,
    BulkSubscribeOptions Bulk,
    string Type)
{
    /// <summary>The path of the first rule that matches, else the default; null when nothing matches.</summary>
    public string? RouteFor(JsonElement cloudEvent)
    {
        foreach (var rule in Rules)
        {
            if (rule.Match.Matches(cloudEvent)) return rule.Path;
        }
        return DefaultPath;
    }

    /// <summary>Reads the JSON of <c>GET /dapr/subscribe</c>, matching keys case-insensitively as Go's decoder does.</summary>
    public static IReadOnlyList<Subscription> ParseProgrammatic(ReadOnlySpan<byte> json, Action<string> warn)
    {
        var items = JsonSerializer.Deserialize<List<SubscriptionJson>>(json, Json) ?? [];
        var result = new List<Subscription>();
        foreach (var item in items)
        {
            if (string.IsNullOrEmpty(item.PubSubName) || string.IsNullOrEmpty(item.Topic))
            {
                warn("a subscription without pubsubname or topic was skipped");
                continue;
            }
            try
            {
                var rules = (item.Routes?.Rules ?? []).Select(r => new RouteRule(RouteExpression.Parse(r.Match ?? ""), Slash(r.Path))).ToList();
                var defaultPath = item.Routes?.Default is { Length: > 0 } d ? Slash(d) : item.Route is { Length: > 0 } r1 ? Slash(r1) : null;
                var bulk = item.BulkSubscribe is { } b
                    ? new BulkSubscribeOptions(b.Enabled, b.MaxMessagesCount is > 0 ? b.MaxMessagesCount.Value : 100, TimeSpan.FromMilliseconds(b.MaxAwaitDurationMs is > 0 ? b.MaxAwaitDurationMs.Value : 1000))
                    : new BulkSubscribeOptions(false, 1, TimeSpan.Zero);
                result.Add(new Subscription(item.PubSubName, item.Topic, rules, defaultPath, string.IsNullOrEmpty(item.DeadLetterTopic) ? null : item.DeadLetterTopic,
                    item.Metadata ?? new Dictionary<string, string>(), bulk, "PROGRAMMATIC"));
            }
            catch (FormatException e)
            {
                warn($"subscription to {item.PubSubName}/{item.Topic} was skipped: {e.Message}");
            }
        }
        return result;
    }

    private static string Slash(string? path) => string.IsNullOrEmpty(path) ? "/" : path.StartsWith('/') ? path : "/" + path;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private sealed class SubscriptionJson
    {
        public string? PubSubName { get; set; }
        public string? Topic { get; set; }
        public string? Route { get; set; }
        public RoutesJson? Routes { get; set; }
        public string? DeadLetterTopic { get; set; }
        public Dictionary<string, string>? Metadata { get; set; }
        public BulkJson? BulkSubscribe { get; set; }
    }

    private sealed class RoutesJson
    {
        public List<RuleJson>? Rules { get; set; }
        public string? Default { get; set; }
    }

    private sealed class RuleJson
    {
        public string? Match { get; set; }
        public string? Path { get; set; }
    }

    private sealed class BulkJson
    {
        public bool Enabled { get; set; }
        public int? MaxMessagesCount { get; set; }
        [JsonPropertyName("maxAwaitDurationMs")]
        public int? MaxAwaitDurationMs { get; set; }
    }
}
