using Mtaeda.Equipment.Domain;

namespace Mtaeda.Equipment.Tests;

/// <summary>Commands and values the tests share.</summary>
public static class Samples
{
    public static DateTimeOffset T0 { get; } = Support.ActorWorld.DefaultStart;

    public static EquipmentInfo Gate { get; } = new()
    {
        SerialNumber = "SN-0001",
        Name = "Gate 3000",
        Description = "Tripod turnstile",
        ModelNumber = "G3K",
        Manufacturer = "Acme Transit",
    };

    public static EquipmentInfo Lens { get; } = new()
    {
        SerialNumber = "CAM-77",
        Name = "Eye 2",
        ModelNumber = "E2",
        Manufacturer = "Acme Optics",
    };

    public static InstallTurnstile Install(string station = "stn-1", long max = 10, params string[] lines) => new()
    {
        StationId = station,
        LineIds = lines.Length == 0 ? ["A", "B"] : lines,
        Model = Gate,
        MaxPassagesBeforeMaintenance = max,
    };

    public static PassageBatch Batch(string id, long ingress, long egress, DateTimeOffset? start = null)
    {
        var from = start ?? T0;
        return new() { BatchId = id, Ingress = ingress, Egress = egress, IntervalStart = from, IntervalEnd = from.AddSeconds(20) };
    }
}
