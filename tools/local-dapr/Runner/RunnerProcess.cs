using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LocalDapr.Runner;

/// <summary>
/// <c>local-dapr run ...</c> as a child process, its output collected line by line: what end-to-end tests and the
/// bench use to run the system exactly as a user does.
/// </summary>
public sealed partial class RunnerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly TextWriter? _echo;

    private RunnerProcess(Process process, TextWriter? echo)
    {
        _process = process;
        _echo = echo;
        Exited = WaitAsync();
    }

    public int Id => _process.Id;

    public IReadOnlyList<string> Lines => [.. _lines];

    public Task<int> Exited { get; }

    /// <summary>The apps the runner started (or restarted) so far, in order, with their commands' pids (from its <c>started app</c> lines).</summary>
    public IReadOnlyList<(string AppId, int Pid)> StartedApps => [.. _lines.Select(l => StartedLine().Match(l)).Where(m => m.Success)
        .Select(m => (m.Groups["app"].Value, int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture)))];

    /// <summary>The pid of the process the runner last started for <paramref name="appId"/> (its command, perhaps a launcher).</summary>
    /// <exception cref="InvalidOperationException">The runner has not started that app.</exception>
    public int PidOf(string appId) => StartedApps.Last(a => a.AppId == appId).Pid;

    /// <summary>
    /// The pid of <paramref name="appId"/>'s own process, the one the runner watches (under <c>dotnet run</c>, the app it
    /// runs), as its last <c>(app pid N)</c> line says; null before the app answered.
    /// </summary>
    public int? AppPidOf(string appId) => _lines.Select(l => AppPidLine().Match(l)).LastOrDefault(m => m.Success && m.Groups["app"].Value == appId) is { } m
        ? int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture)
        : null;

    /// <summary>Starts <c>dotnet {localDaprDll} {args}</c>; <paramref name="echo"/> also receives every line.</summary>
    public static RunnerProcess Start(string localDaprDll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TextWriter? echo = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(localDaprDll)!,
        };
        info.ArgumentList.Add(localDaprDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        RunnerProcess? self = null;
        process.OutputDataReceived += (_, e) => self?.Add(e.Data);
        process.ErrorDataReceived += (_, e) => self?.Add(e.Data);
        process.Start();
        self = new RunnerProcess(process, echo);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return self;
    }

    public void Signal(int signal) => ProcessTree.Signal(_process.Id, signal);

    /// <summary>Waits for a line that matches; fails at once, with everything printed, if the runner exits first.</summary>
    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (!_lines.Any(match))
        {
            if (Exited.IsCompleted) throw new InvalidOperationException($"the runner exited ({await Exited}) first:\n{string.Join('\n', _lines)}");
            try
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching line within {timeout.TotalSeconds:0} s; the runner printed:\n{string.Join('\n', _lines)}");
            }
        }
    }

    private void Add(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        _echo?.WriteLine(line);
        _changed.Release();
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Stops the runner gracefully (SIGTERM, which stops its apps) and, failing that, kills its whole tree.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(ProcessTree.SigTerm);
            try
            {
                await Exited.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                foreach (var pid in ProcessTree.Descendants(_process.Id)) ProcessTree.Signal(pid, ProcessTree.SigKill);
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"started app ""(?<app>[\w-]+)"" \(pid (?<pid>\d+)[,)]")]
    private static partial Regex StartedLine();

    [GeneratedRegex(@"app ""(?<app>[\w-]+)"" .*\(app pid (?<pid>\d+)\)")]
    private static partial Regex AppPidLine();
}
