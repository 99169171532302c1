using LocalDapr.Configuration;
using LocalDapr.Sidecar;

namespace LocalDapr.Runner;

/// <summary>
/// Runs apps each beside its own sidecar: starts every sidecar and app, waits until each app answers, prefixes and logs
/// their output, and stops everything when asked (Ctrl-C, SIGTERM) or when an app fails to start. An app that exits
/// later is reported and the others keep running, as with the Dapr CLI's multi-app run; one that crashed (a non-zero
/// exit or a signal) is started again beside its sidecar, after an exponential back-off, unless restarts are off.
/// </summary>
public sealed class AppRunner(RunnerConsole console, RunnerSettings settings)
{
    private sealed class Running(AppSpec spec, Sidecar.Sidecar sidecar, AppProcess? process, LogSink daprdLog)
    {
        public AppSpec Spec { get; } = spec;

        public Sidecar.Sidecar Sidecar { get; } = sidecar;

        /// <summary>The app's current process: replaced when it is restarted.</summary>
        public AppProcess? Process { get; set; } = process;

        public LogSink DaprdLog { get; } = daprdLog;
    }

    /// <summary>0 when stopped on request or when every app finished with 0; 1 when an app failed to start, or died and was not restarted.</summary>
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
            if (apps.Where(a => a.GeneratedApiToken).Select(a => a.AppId).ToList() is { Count: > 0 } generated)
                console.Info($"API tokens made for this run (DAPR_API_TOKEN, APP_API_TOKEN) for {string.Join(", ", generated)}: each sidecar answers only its app;" +
                    " to call a sidecar yourself, set DAPR_API_TOKEN before the run and send it in the dapr-api-token header");
            if (!await WaitUntilReadyAsync(running, stop)) return stop.IsCancellationRequested ? 0 : 1;
            foreach (var r in running.Where(r => r.Process is not null && r.Spec.Sidecar.AppPort is null)) Announce(r.Spec, r.Process!);
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
            var exited = (Task?)r.Process?.Exited ?? Task.Delay(Timeout.Infinite, stop);
            var signalled = Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token).Token);
            var first = await Task.WhenAny(r.Sidecar.AppReady, exited, signalled);
            if (first == r.Sidecar.AppReady && r.Sidecar.AppReady.IsCompletedSuccessfully)
            {
                console.Info($"app \"{r.Spec.AppId}\" is ready on port {r.Spec.Sidecar.AppPort}" + (r.Process is { } p ? $" (app pid {p.FindApp()})" : ""));
                continue;
            }
            if (stop.IsCancellationRequested) return false;
            if (first == exited)
                console.Error($"app \"{r.Spec.AppId}\" exited with code {(await r.Process!.Exited)?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} before it was ready{LogHint(r)}");
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
        var supervised = running.Where(r => r.Process is not null).Select(r => SuperviseAsync(r, stop)).ToList();
        var codes = await Task.WhenAll(supervised);
        if (stop.IsCancellationRequested) return 0;
        // Sidecars without an app stay until the runner is stopped, as the Dapr CLI's do.
        if (running.Any(r => r.Process is null))
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        }
        return codes.Any(c => c != 0) ? 1 : 0;
    }

    /// <summary>Watches one app until it finishes (0), dies and is not restarted (1), or the runner stops (0).</summary>
    private async Task<int> SuperviseAsync(Running r, CancellationToken stop)
    {
        var id = r.Spec.AppId;
        var stopped = Task.Delay(Timeout.Infinite, stop);
        var restarts = 0;
        var crashesInARow = 0;
        var startedAt = DateTimeOffset.UtcNow;
        while (true)
        {
            var process = r.Process!;
            if (await Task.WhenAny(process.Exited, stopped) == stopped) return 0;
            var code = await process.Exited;
            var diedAt = DateTimeOffset.UtcNow;
            if (stop.IsCancellationRequested) return 0;
            var what = $"app \"{id}\" (pid {process.AppPid})";
            if (code == 0)
            {
                console.Info($"{what} finished with exit code 0; the other apps keep running");
                return 0;
            }
            var how = code is { } c ? $"exited with code {c}" : $"died (exit code unknown: the command it ran under, pid {process.Id}, did not end with it and was stopped)";
            if (!settings.RestartApps)
            {
                console.Error($"{what} {how} at {diedAt:HH:mm:ss.fff} UTC; it is not restarted (restarts are off); the other apps keep running{LogHint(r)}");
                return 1;
            }
            crashesInARow = diedAt - startedAt >= settings.RestartResetAfter ? 1 : crashesInARow + 1;
            var delay = Backoff(crashesInARow);
            restarts++;
            console.Error($"{what} {how} at {diedAt:HH:mm:ss.fff} UTC; the other apps keep running; restarting it in {delay.TotalSeconds:0.###} s (restart {restarts}){LogHint(r)}");
            try
            {
                await Task.Delay(delay, stop);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
            try
            {
                r.Process = AppProcess.Start(r.Spec, r.Sidecar.HttpPort, r.Sidecar.GrpcPort, process.Sink);
            }
            catch (InvalidOperationException e)
            {
                console.Error($"app \"{id}\" could not be restarted: {e.Message}; the other apps keep running");
                return 1;
            }
            startedAt = DateTimeOffset.UtcNow;
            console.Info($"restarted app \"{id}\" (pid {r.Process.Id}, restart {restarts}): {string.Join(' ', r.Spec.Command)}");
            if (await WaitUntilAnswersAsync(r, stop))
            {
                r.Process.FindApp();
                console.Info($"app \"{id}\" is back (app pid {r.Process.AppPid}) at {DateTimeOffset.UtcNow:HH:mm:ss.fff} UTC, " +
                    $"{(DateTimeOffset.UtcNow - diedAt).TotalSeconds:0.0} s after it {(code is null ? "died" : $"exited with code {code}")} (restart {restarts})");
            }
        }
    }

    /// <summary>
    /// After a restart: true once the app answers its sidecar's probe (at once for an app without a port, once it has run
    /// a moment); false when it exits first, the runner stops, or it does not answer within the start-up timeout (then it is stopped).
    /// </summary>
    private async Task<bool> WaitUntilAnswersAsync(Running r, CancellationToken stop)
    {
        var process = r.Process!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(settings.AppStartupTimeout);
        try
        {
            if (r.Sidecar.Runtime.Channel is not { } channel) return !process.Exited.IsCompleted;
            while (!await channel.ProbeAsync(timeout.Token))
            {
                if (process.Exited.IsCompleted) return false;
                await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
            }
            return !process.Exited.IsCompleted;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            console.Error($"app \"{r.Spec.AppId}\" did not answer on port {r.Spec.Sidecar.AppPort} within {settings.AppStartupTimeout.TotalSeconds:0} s after its restart; stopping it{LogHint(r)}");
            await process.StopAsync(settings.GracePeriod);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>1 s, 2 s, 4 s ... up to <see cref="RunnerSettings.MaxRestartDelay"/>, by the crashes in a row.</summary>
    private TimeSpan Backoff(int crashesInARow) =>
        TimeSpan.FromTicks(Math.Min(settings.MaxRestartDelay.Ticks, settings.FirstRestartDelay.Ticks * (1L << Math.Min(crashesInARow - 1, 20))));

    private void Announce(AppSpec spec, AppProcess process) =>
        console.Info($"app \"{spec.AppId}\" is running (app pid {process.FindApp()})");

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

    /// <summary>Whether an app that crashes (exits with a non-zero code or a signal) is started again.</summary>
    public bool RestartApps { get; init; } = true;

    /// <summary>The wait before the first restart of a crash series; it doubles with every crash in a row.</summary>
    public TimeSpan FirstRestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a restart.</summary>
    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An app that ran this long before it crashed starts a new series: its restart waits the first delay again.</summary>
    public TimeSpan RestartResetAfter { get; init; } = TimeSpan.FromSeconds(60);
}
