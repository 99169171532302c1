using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using SchedulingClient = Mtaeda.Contracts.Scheduling.V1.Scheduling.SchedulingClient;

namespace Mtaeda.Scheduling.Tests;

/// <summary>
/// The scheduling app as tests run it: built from the same methods as its <c>Program.cs</c>, trusting the test's token
/// issuer (its API is called on behalf of signed-in users). Maintenance.Tests links this file, as it runs scheduling
/// beside maintenance.
/// </summary>
internal static class SchedulingApp
{
    private static readonly Func<string[], WebApplication> App = ServiceApp.Of(typeof(SchedulingExtensions).Assembly,
        builder => builder.AddScheduling(),
        app => app.MapSchedulingApi().MapSchedulingEventHandlers());

    /// <summary>The scheduling app, trusting the tokens <paramref name="issuer"/> signs.</summary>
    /// <param name="issuer">The test's token issuer.</param>
    /// <returns>The app's builder.</returns>
    public static Func<string[], WebApplication> Trusting(TestIssuer issuer) => issuer.TrustedBy(App);

    /// <summary>The scheduling app trusting <paramref name="issuer"/>'s tokens, and a supervisor's client through its own sidecar.</summary>
    /// <param name="runtime">The test's runtime.</param>
    /// <param name="issuer">The test's token issuer.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The app's node and the client.</returns>
    public static async Task<(AppNode Scheduling, SchedulingClient Supervisor)> StartAsync(LocalRuntime runtime, TestIssuer issuer, CancellationToken cancellationToken)
    {
        var scheduling = await runtime.StartAsync("scheduling", Trusting(issuer), cancellationToken);
        return (scheduling, new SchedulingClient(issuer.As(scheduling.Invoker("scheduling"), "supervisor")));
    }
}
