using System.Text.RegularExpressions;
using LocalDapr.Runner;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// On the Redis backend, a service killed outright while the devices send: the runner starts it again with no one's
/// help, the gateway and every device stay connected throughout, and ridership counts exactly what the devices had
/// acknowledged.
/// </summary>
[Collection(nameof(MtaedaRedisSystem))]
public sealed partial class RestartTests(MtaedaRedisSystem system)
{
    [Theory]
    [InlineData("equipment", 21)]
    [InlineData("ridership", 23)]
    public async Task A_service_killed_while_devices_send_is_restarted_by_the_runner_and_no_passage_is_lost(string app, int seed)
    {
        var gateway = system.RunningPid("gateway") ?? throw new InvalidOperationException("the gateway is not running");
        var killed = 0;

        var sent = await system.NoPassageLostAcrossAsync(seed, seconds: 40, async () =>
        {
            killed = system.RunningPid(app) ?? throw new InvalidOperationException($"{app} is not running");
            ProcessTree.Signal(killed, ProcessTree.SigKill); // no shutdown: whatever was in flight is lost with the process
            await system.Runner.WaitForLineAsync(l => l.Contains($"app \"{app}\" (pid {killed}) exited with code 137 at ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            await system.Runner.WaitForLineAsync(l => l.Contains($"app \"{app}\" is back (app pid ", StringComparison.Ordinal)
                && !l.Contains($"(app pid {killed})", StringComparison.Ordinal), TimeSpan.FromSeconds(180));
        });

        Assert.NotEqual(killed, system.RunningPid(app));
        Assert.Equal(gateway, system.RunningPid("gateway"));
        Assert.DoesNotContain(system.Runner.Lines, l => l.StartsWith("local-dapr: error: app \"gateway\"", StringComparison.Ordinal));
        var progress = sent.Output.Select(l => ConnectedLine().Match(l)).Where(m => m.Success).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, m => Assert.Equal(m.Groups["all"].Value, m.Groups["connected"].Value));
    }

    /// <summary>The simulator's progress lines: <c>connected N/M</c> devices.</summary>
    [GeneratedRegex(@"connected (?<connected>\d+)/(?<all>\d+)")]
    private static partial Regex ConnectedLine();
}
