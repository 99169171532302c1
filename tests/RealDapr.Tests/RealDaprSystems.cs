using System.Collections.Concurrent;

[assembly: AssemblyFixture(typeof(Mtaeda.RealDapr.Tests.RealDaprSystems))]

namespace Mtaeda.RealDapr.Tests;

/// <summary>
/// One <see cref="RealDaprSystem"/> per broker for the whole test run, started by the first test that needs it. Where no
/// Docker engine answers, every test that asks for one is skipped, saying why: this suite never passes without running.
/// </summary>
public sealed class RealDaprSystems : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Broker, Lazy<Task<RealDaprSystem>>> _systems = new();

    /// <summary>The system on <paramref name="broker"/>'s set, or the test is skipped when there is no Docker engine.</summary>
    /// <param name="broker">The set.</param>
    /// <returns>The running system.</returns>
    public async Task<RealDaprSystem> GetAsync(Broker broker)
    {
        if (await DockerEngine.WhyAbsentAsync() is { } absent)
            Assert.Skip($"Real daprd on the {broker} set runs in containers, and {absent}: skipped, not run.");
        // Started outside any one test's cancellation: the system outlives the test that started it.
        return await _systems.GetOrAdd(broker, b => new Lazy<Task<RealDaprSystem>>(() => RealDaprSystem.StartAsync(b, CancellationToken.None))).Value;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var system in _systems.Values.Where(s => s.IsValueCreated))
        {
            try
            {
                await (await system.Value).DisposeAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                // A system that failed to start disposed what it had started already; its test reported why.
            }
        }
    }
}
