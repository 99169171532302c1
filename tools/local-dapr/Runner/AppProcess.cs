using System.Diagnostics;

namespace LocalDapr.Runner;

/// <summary>An app's process: started with the environment the Dapr CLI gives, its output prefixed and logged, stopped with its whole tree.</summary>
public sealed class AppProcess
{
    private readonly Process _process;

    private AppProcess(Process process, LogSink sink)
    {
        _process = process;
        Sink = sink;
        Exited = WaitAsync();
    }

    public int Id => _process.Id;

    public LogSink Sink { get; }

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited { get; }

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

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM to the process and every descendant, then SIGKILL to whatever is left after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var tree = ProcessTree.Descendants(_process.Id).Append(_process.Id).ToList();
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
