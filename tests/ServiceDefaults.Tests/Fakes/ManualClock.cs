namespace Mtaeda.ServiceDefaults.Tests.Fakes;

/// <summary>A clock that moves only when the test says so.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = new(2025, 1, 1, 6, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
