using System.Globalization;

namespace Mtaeda.Simulator;

/// <summary>One simulated turnstile.</summary>
/// <param name="DeviceId">Device id = turnstile id, e.g. <c>ts-001-01</c>.</param>
/// <param name="StationId">Its station, e.g. <c>stn-001</c>.</param>
/// <param name="Gateway">The gateway it connects to.</param>
public sealed record TurnstileSpec(string DeviceId, string StationId, Uri Gateway)
{
    /// <summary>The camera watching it, e.g. <c>cam-001-01</c> for <c>ts-001-01</c> (installed when the run sends captures).</summary>
    public string CameraId => "cam-" + DeviceId[3..];
}

/// <summary>One simulated station.</summary>
/// <param name="StationId">e.g. <c>stn-001</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Lines">Lines serving it.</param>
/// <param name="Turnstiles">Its turnstiles.</param>
public sealed record StationSpec(string StationId, string Name, IReadOnlyList<string> Lines, IReadOnlyList<TurnstileSpec> Turnstiles);

/// <summary>
/// The simulated network: ids are fixed by position (<c>stn-001</c>, <c>ts-001-01</c>), so runs against the same system
/// find the same devices; lines are drawn from the seed; stations are spread over the gateways in turn.
/// </summary>
public static class Network
{
    private static readonly string[] AllLines = ["A", "B", "C", "D", "E", "F"];

    public static IReadOnlyList<StationSpec> Build(int stations, int turnstilesPerStation, int seed, IReadOnlyList<Uri> gateways)
    {
        var random = new Random(seed);
        var result = new List<StationSpec>(stations);
        for (var s = 1; s <= stations; s++)
        {
            var stationId = string.Create(CultureInfo.InvariantCulture, $"stn-{s:D3}");
            var first = AllLines[random.Next(AllLines.Length)];
            var second = AllLines[random.Next(AllLines.Length)];
            var lines = random.Next(3) == 0 && second != first ? new[] { first, second }.Order(StringComparer.Ordinal).ToArray() : [first];
            var gateway = gateways[(s - 1) % gateways.Count];
            var turnstiles = Enumerable.Range(1, turnstilesPerStation)
                .Select(t => new TurnstileSpec(string.Create(CultureInfo.InvariantCulture, $"ts-{s:D3}-{t:D2}"), stationId, gateway))
                .ToList();
            result.Add(new StationSpec(stationId, string.Create(CultureInfo.InvariantCulture, $"Station {s:D3}"), lines, turnstiles));
        }
        return result;
    }
}
