using System.Collections.Concurrent;

namespace LocalDapr.Runner;

/// <summary>Where the runner writes: one console shared by all apps, so lines never interleave mid-line.</summary>
public sealed class RunnerConsole(TextWriter output)
{
    private readonly Lock _lock = new();

    public void Line(string text)
    {
        lock (_lock)
        {
            output.WriteLine(text);
            output.Flush();
        }
    }

    public void Info(string text) => Line($"local-dapr: {text}");

    public void Error(string text) => Line($"local-dapr: error: {text}");
}

/// <summary>One log stream (an app's output or its sidecar's log): lines go to the console with a prefix, to a file, or both.</summary>
public sealed class LogSink : IDisposable
{
    private readonly RunnerConsole _console;
    private readonly string _prefix;
    private readonly StreamWriter? _file;
    private readonly bool _toConsole;
    private readonly Lock _lock = new();

    public LogSink(RunnerConsole console, string prefix, LogDestination destination, string? filePath)
    {
        _console = console;
        _prefix = prefix;
        _toConsole = destination != LogDestination.File;
        if (destination != LogDestination.Console && filePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
            _file = new StreamWriter(new FileStream(filePath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            FilePath = filePath;
        }
    }

    public string? FilePath { get; }

    public void Write(string line)
    {
        if (_toConsole) _console.Line($"{_prefix}{line}");
        if (_file is null) return;
        lock (_lock) _file.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_lock) _file?.Dispose();
    }
}

/// <summary>Routes the sidecars' log categories (<c>daprd.{appId}...</c>) to each app's sidecar log sink.</summary>
public sealed class SidecarLoggerProvider(RunnerConsole console, LogLevel minimum) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, LogSink> _sinks = new(StringComparer.Ordinal);

    private RunnerConsole Console { get; } = console;

    public void Attach(string appId, LogSink sink) => _sinks[appId] = sink;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private LogSink? SinkFor(string category)
    {
        // daprd.{appId} or daprd.{appId}.{area}; component loggers (pubsub.x) go to the console.
        if (!category.StartsWith("daprd.", StringComparison.Ordinal)) return null;
        var rest = category["daprd.".Length..];
        foreach (var (appId, sink) in _sinks)
        {
            if (rest == appId || rest.StartsWith(appId + ".", StringComparison.Ordinal)) return sink;
        }
        return null;
    }

    private sealed class Logger(SidecarLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Dropped(category);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var level = logLevel switch
            {
                LogLevel.Trace => "trace",
                LogLevel.Debug => "debug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "error",
                _ => "fatal",
            };
            var text = $"time=\"{DateTimeOffset.UtcNow:O}\" level={level} msg=\"{formatter(state, exception)}\"{(exception is null ? "" : $" error=\"{exception.Message}\"")}";
            if (owner.SinkFor(category) is { } sink) sink.Write(text);
            else if (logLevel >= LogLevel.Warning) owner.Console.Line($"== DAPR == {text}");
        }
    }

    private LogLevel Dropped(string category) =>
        // The forwarder's own warnings repeat what the runtime reports about a failed invocation (with daprd's error).
        category.StartsWith("Yarp.", StringComparison.Ordinal) ? LogLevel.Critical
        : category.StartsWith("Microsoft.", StringComparison.Ordinal) || category.StartsWith("Grpc.", StringComparison.Ordinal) ? LogLevel.Warning
        : minimum;
}
