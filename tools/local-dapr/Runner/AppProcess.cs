using System.Diagnostics;

namespace LocalDapr.Runner;

/// <summary>
/// An app's process: started with the environment the Dapr CLI gives, its output prefixed and logged, stopped with its
/// whole tree. When the command is a launcher (<c>dotnet run</c>, <c>sh -c</c>), the app is the process it runs: once
/// found (<see cref="FindApp"/>), that process is the one watched, so a launcher killed under a live app is not taken
/// for the app's end, and an app that dies under a launcher that stays is.
/// </summary>
public sealed class AppProcess
{
    /// <summary>How long a launcher has, once its app died, to end by itself and report the app's exit code.</summary>
    private static readonly TimeSpan LauncherGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private int _appPid;

    private AppProcess(Process process, LogSink sink)
    {
        _process = process;
        _appPid = process.Id;
        Sink = sink;
        Exited = WaitAsync();
    }

    /// <summary>The process the runner started (the command).</summary>
    public int Id => _process.Id;

    /// <summary>The app's own process: <see cref="Id"/> until <see cref="FindApp"/> found the one its launcher runs.</summary>
    public int AppPid => Volatile.Read(ref _appPid);

    public LogSink Sink { get; }

    /// <summary>
    /// Completes when the app ends: with the command's exit code (a launcher such as <c>dotnet run</c> ends with its
    /// app's), or null when the app died under a launcher that did not end with it (the launcher is then stopped).
    /// </summary>
    public Task<int?> Exited { get; }

    /// <summary>Finds the app under its launcher (see <see cref="ProcessTree.Innermost"/>); call it once the app answers.</summary>
    public int FindApp()
    {
        if (!Exited.IsCompleted && ProcessTree.Innermost(_process.Id) is var pid && ProcessTree.IsAlive(pid)) Volatile.Write(ref _appPid, pid);
        return AppPid;
    }

    public static AppProcess Start(AppSpec spec, int httpPort, int grpcPort, LogSink sink)
    {
        var info = new ProcessStartInfo(spec.Command[0])
        {
            WorkingDirectory = spec.AppDirPath,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in spec.Command.Skip(1)) info.ArgumentList.Add(arg);
        foreach (var (key, value) in spec.Env) info.Environment[key] = value;
        info.Environment["APP_ID"] = spec.AppId;
        info.Environment["DAPR_HTTP_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["DAPR_GRPC_PORT"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["APP_PROTOCOL"] = spec.Sidecar.AppProtocol;
        if (spec.Sidecar.AppPort is { } port) info.Environment["APP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else info.Environment.Remove("APP_PORT");
        if (spec.Sidecar.ApiToken is { Length: > 0 } token) info.Environment["DAPR_API_TOKEN"] = token;
        if (spec.Sidecar.AppApiToken is { Length: > 0 } appToken) info.Environment["APP_API_TOKEN"] = appToken;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) sink.Write(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) sink.Write(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"could not start '{spec.Command[0]}' in {spec.AppDirPath}: {e.Message}", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AppProcess(process, sink);
    }

    private async Task<int?> WaitAsync()
    {
        // Completes once the command has exited and its output is closed: a launcher killed under a live app that still
        // holds the output open does not complete it.
        var ended = _process.WaitForExitAsync();
        while (true)
        {
            if (await Task.WhenAny(ended, Task.Delay(TimeSpan.FromMilliseconds(200))) == ended) return _process.ExitCode;
            var app = AppPid;
            if (app == _process.Id || ProcessTree.IsAlive(app)) continue;
            // The app died; a launcher such as dotnet run ends with its exit code. One that stays is stopped.
            if (await Task.WhenAny(ended, Task.Delay(LauncherGrace)) == ended) return _process.ExitCode;
            await KillTreeAsync();
            return null;
        }
    }

    private async Task KillTreeAsync()
    {
        foreach (var pid in ProcessTree.Descendants(_process.Id).Append(_process.Id)) ProcessTree.Signal(pid, ProcessTree.SigKill);
        if (!OperatingSystem.IsLinux() && !_process.HasExited) _process.Kill(entireProcessTree: true);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>SIGTERM to the process and every descendant, then SIGKILL to whatever is left after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var tree = ProcessTree.Descendants(_process.Id).Append(_process.Id).Append(AppPid).Distinct().ToList();
        foreach (var pid in tree) ProcessTree.Signal(pid, ProcessTree.SigTerm);
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && tree.Any(ProcessTree.IsAlive)) await Task.Delay(50);
        foreach (var pid in tree.Concat(ProcessTree.Descendants(_process.Id)).Where(ProcessTree.IsAlive)) ProcessTree.Signal(pid, ProcessTree.SigKill);
        if (!OperatingSystem.IsLinux() && !_process.HasExited) _process.Kill(entireProcessTree: true);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await Exited.WaitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
