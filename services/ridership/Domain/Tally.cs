using System.Text.Json;

namespace Mtaeda.Ridership.Domain;

/// <summary>
/// One counter document of the state store: a total and, for the time buckets, a count per slot (the minute of the
/// hour in hour buckets, the hour of the day in the network's day buckets). The network total also keeps when counting
/// began and the first and last minute counted; a turnstile's info document keeps only its station.
/// </summary>
public sealed class Tally
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Entries.</summary>
    public long Ingress { get; set; }

    /// <summary>Exits.</summary>
    public long Egress { get; set; }

    /// <summary>Counts per slot; null when the document has no slots.</summary>
    public SortedDictionary<int, Counts>? Slots { get; set; }

    /// <summary>Turnstile info: the turnstile's station.</summary>
    public string? StationId { get; set; }

    /// <summary>Network total: when the first passage was counted (wall clock, to the minute).</summary>
    public DateTimeOffset? CountingSince { get; set; }

    /// <summary>Network total: the earliest minute any passage was counted for.</summary>
    public DateTimeOffset? EarliestMinute { get; set; }

    /// <summary>Network total: the latest minute any passage was counted for.</summary>
    public DateTimeOffset? LatestMinute { get; set; }

    /// <summary>The total.</summary>
    public Counts Total => new(Ingress, Egress);

    /// <summary>The count of one slot (zero when it has none).</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>Its counts.</returns>
    public Counts Slot(int slot) => Slots is not null && Slots.TryGetValue(slot, out var counts) ? counts : default;

    /// <summary>Adds <paramref name="counts"/> to the total and, when given, to <paramref name="slot"/>.</summary>
    /// <param name="counts">What to add.</param>
    /// <param name="slot">The slot, or null.</param>
    public void Add(Counts counts, int? slot)
    {
        var total = Total + counts;
        (Ingress, Egress) = (total.Ingress, total.Egress);
        if (slot is not { } index) return;
        Slots ??= [];
        Slots[index] = Slot(index) + counts;
    }

    /// <summary>The document as stored (JSON).</summary>
    /// <returns>UTF-8 JSON.</returns>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads a stored document; null for a missing one (empty value).</summary>
    /// <param name="json">The stored JSON, or empty.</param>
    /// <returns>The document, or null.</returns>
    public static Tally? FromJson(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<Tally>(json, Json);
}
