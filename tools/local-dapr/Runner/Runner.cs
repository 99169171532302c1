using LocalDapr.Configuration;
using LocalDapr.Sidecar;
using Microsoft.Extensions.Logging;

namespace LocalDapr.Runner;

/// <summary>
/// Runs apps each beside its own sidecar: starts every sidecar and app, waits until each app answers, prefixes and logs
/// their output, and stops everything when asked (Ctrl-C, SIGTERM) or when an app fails to start or dies.
/// </summary>
public sealed class AppRunner(RunnerConsole console, RunnerSettings settings)
{
    private sealed record Running(AppSpec Spec, Sidecar.Sidecar Sidecar, AppProcess? Process, LogSink DaprdLog);

    /// <summary>0 when stopped on request or when every app finished with 0; 1 when an app failed to start or died.</summary>
    public async Task<int> RunAsync(IReadOnlyList<AppSpec> apps, CancellationToken stop)
    {
        var provider = new SidecarLoggerProvider(console, settings.LogLevel);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        await using var env = new RuntimeEnvironment(loggers);
        var running = new List<Running>();
        try
        {
            foreach (var app in apps)
            {
                var started = await StartAsync(app, env, provider);
                if (started is null) return 1;
                running.Add(started);
            }
            if (!await WaitUntilReadyAsync(running, stop)) return stop.IsCancellationRequested ? 0 : 1;
            console.Info(apps.Count == 0 ? "no apps to run; the sidecars are idle" : $"you're up and running: {string.Join(", ", apps.Select(a => a.AppId))}");
            return await SuperviseAsync(running, stop);
        }
        finally
        {
            await StopAllAsync(running);
        }
    }

    private async Task<Running?> StartAsync(AppSpec app, RuntimeEnvironment env, SidecarLoggerProvider provider)
    {
        var stamp = DateTime.Now.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var logDir = Path.Combine(app.AppDirPath, ".dapr", "logs");
        var daprdLog = new LogSink(console, $"== DAPR - {app.AppId} == ", app.DaprdLogDestination, Path.Combine(logDir, $"{app.AppId}_daprd_{stamp}.log"));
        provider.Attach(app.AppId, daprdLog);
        Sidecar.Sidecar sidecar;
        try
        {
            sidecar = await Sidecar.Sidecar.StartAsync(app.Sidecar, env);
        }
        catch (Exception e) when (e is ConfigurationException or IOException or InvalidOperationException)
        {
            console.Error($"the sidecar of app \"{app.AppId}\" could not start: {Reason(e)}");
            daprdLog.Dispose();
            return null;
        }
        console.Info($"started the sidecar of app \"{app.AppId}\": HTTP port {sidecar.HttpPort}, gRPC port {sidecar.GrpcPort}" +
            (daprdLog.FilePath is { } f ? $"; sidecar log: {f}" : ""));
        if (app.Command.Count == 0) return new Running(app, sidecar, null, daprdLog);

        var appLog = new LogSink(console, $"== APP - {app.AppId} == ", app.AppLogDestination, Path.Combine(logDir, $"{app.AppId}_app_{stamp}.log"));
        try
        {
            var process = AppProcess.Start(app, sidecar.HttpPort, sidecar.GrpcPort, appLog);
            console.Info($"started app \"{app.AppId}\" (pid {process.Id}): {string.Join(' ', app.Command)}");
            return new Running(app, sidecar, process, daprdLog);
        }
        catch (InvalidOperationException e)
        {
            console.Error($"app \"{app.AppId}\" could not start: {e.Message}");
            appLog.Dispose();
            await sidecar.DisposeAsync();
            daprdLog.Dispose();
            return null;
        }
    }

    private async Task<bool> WaitUntilReadyAsync(List<Running> running, CancellationToken stop)
    {
        using var timeout = new CancellationTokenSource(settings.AppStartupTimeout);
        foreach (var r in running.Where(r => r.Spec.Sidecar.AppPort is not null))
        {
            var exited = r.Process?.Exited ?? Task.Delay(Timeout.Infinite, stop);
            var signalled = Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token).Token);
            var first = await Task.WhenAny(r.Sidecar.AppReady, exited, signalled);
            if (first == r.Sidecar.AppReady && r.Sidecar.AppReady.IsCompletedSuccessfully)
            {
                console.Info($"app \"{r.Spec.AppId}\" is ready on port {r.Spec.Sidecar.AppPort}");
                continue;
            }
            if (stop.IsCancellationRequested) return false;
            if (first == exited)
                console.Error($"app \"{r.Spec.AppId}\" exited with code {await r.Process!.Exited} before it was ready{LogHint(r)}");
            else if (first == r.Sidecar.AppReady)
                console.Error($"app \"{r.Spec.AppId}\" could not be connected: {r.Sidecar.AppReady.Exception?.GetBaseException().Message}");
            else
                console.Error($"app \"{r.Spec.AppId}\" did not answer on port {r.Spec.Sidecar.AppPort} within {settings.AppStartupTimeout.TotalSeconds:0} s{LogHint(r)}");
            return false;
        }
        return true;
    }

    private async Task<int> SuperviseAsync(List<Running> running, CancellationToken stop)
    {
        var alive = running.Where(r => r.Process is not null).ToList();
        var stopped = Task.Delay(Timeout.Infinite, stop);
        while (true)
        {
            if (alive.Count == 0 && running.All(r => r.Process is not null)) return 0;
            var first = await Task.WhenAny(alive.Select(r => (Task)r.Process!.Exited).Append(stopped));
            if (first == stopped) return 0;
            var ended = alive.First(r => r.Process!.Exited == first);
            alive.Remove(ended);
            var code = await ended.Process!.Exited;
            if (stop.IsCancellationRequested) return 0;
            if (code != 0)
            {
                console.Error($"app \"{ended.Spec.AppId}\" exited with code {code}; stopping every app{LogHint(ended)}");
                return 1;
            }
            console.Info($"app \"{ended.Spec.AppId}\" finished (exit code 0)");
        }
    }

    private async Task StopAllAsync(List<Running> running)
    {
        if (running.Count > 0) console.Info("stopping apps and sidecars");
        await Task.WhenAll(running.Where(r => r.Process is not null).Select(r => r.Process!.StopAsync(settings.GracePeriod)));
        foreach (var r in running)
        {
            await r.Sidecar.DisposeAsync();
            r.Process?.Sink.Dispose();
            r.DaprdLog.Dispose();
        }
    }

    private static string LogHint(Running r) => r.Process?.Sink.FilePath is { } f ? $" (its log: {f})" : "";

    private static string Reason(Exception e) => e is IOException io && io.InnerException is { } inner ? $"{io.Message} {inner.Message}" : e.Message;
}

public sealed record RunnerSettings
{
    public TimeSpan AppStartupTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}
