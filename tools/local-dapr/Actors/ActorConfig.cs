using System.Text.Json;
using LocalDapr.Configuration;

namespace LocalDapr.Actors;

/// <summary>What an app says of its actors on <c>GET /dapr/config</c>.</summary>
public sealed record ActorConfig(
    IReadOnlyList<string> Types,
    TimeSpan IdleTimeout,
    TimeSpan ScanInterval,
    bool Reentrancy,
    int MaxStackDepth)
{
    public static ActorConfig None { get; } = new([], TimeSpan.FromMinutes(60), TimeSpan.FromSeconds(30), false, 32);

    public static ActorConfig Parse(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        JsonElement Get(string name) => root.EnumerateObject().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
        var types = Get("entities") is { ValueKind: JsonValueKind.Array } entities ? entities.EnumerateArray().Select(e => e.GetString() ?? "").Where(s => s.Length > 0).ToList() : [];
        TimeSpan Duration(string name, TimeSpan fallback) => Get(name) is { ValueKind: JsonValueKind.String } v && GoDuration.TryParse(v.GetString(), out var d) && d > TimeSpan.Zero ? d : fallback;
        var reentrancy = Get("reentrancy");
        var enabled = reentrancy.ValueKind == JsonValueKind.Object && reentrancy.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.True;
        var depth = reentrancy.ValueKind == JsonValueKind.Object && reentrancy.TryGetProperty("maxStackDepth", out var m) && m.TryGetInt32(out var n) && n > 0 ? n : 32;
        return new ActorConfig(types, Duration("actorIdleTimeout", TimeSpan.FromMinutes(60)), Duration("actorScanInterval", TimeSpan.FromSeconds(30)), enabled, depth);
    }
}
