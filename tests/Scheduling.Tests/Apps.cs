using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The apps these tests run, built from the same methods as <c>Program.cs</c>.</summary>
internal static class Apps
{
    /// <summary>The scheduling app.</summary>
    public static readonly Func<string[], WebApplication> Scheduling = ServiceApp.Of(typeof(SchedulingExtensions).Assembly,
        builder => builder.AddScheduling(),
        app => app.MapSchedulingApi().MapSchedulingEventHandlers());

    /// <summary>The scheduling app, trusting the tokens <paramref name="issuer"/> signs (signed-in users' calls).</summary>
    /// <param name="issuer">The test's token issuer.</param>
    /// <returns>The app's builder.</returns>
    public static Func<string[], WebApplication> SchedulingTrusting(TestIssuer issuer) => args => Scheduling([.. args, .. issuer.AppArgs]);

    /// <summary>The scheduling app trusting <paramref name="issuer"/>'s tokens, and a supervisor's client through its own sidecar.</summary>
    /// <param name="runtime">The test's runtime.</param>
    /// <param name="issuer">The test's token issuer.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The app's node and the client.</returns>
    public static async Task<(AppNode Scheduling, SchedulingClient Supervisor)> StartSchedulingAsync(LocalRuntime runtime, TestIssuer issuer, CancellationToken cancellationToken)
    {
        var scheduling = await runtime.StartAsync("scheduling", SchedulingTrusting(issuer), cancellationToken);
        return (scheduling, new SchedulingClient(issuer.As(scheduling.Invoker("scheduling"), "supervisor")));
    }
}
