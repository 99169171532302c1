using Microsoft.Extensions.Logging;

namespace Mtaeda.Gateway.Tests;

/// <summary>Writes logs to the file named by <c>GATEWAY_TEST_LOGS</c> (for diagnosing a failing test); nothing when it is unset.</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private static readonly Lock Sync = new();

    public static void AddTo(ILoggingBuilder logging)
    {
        if (Environment.GetEnvironmentVariable("GATEWAY_TEST_LOGS") is { Length: > 0 } path) logging.AddProvider(new FileLoggerProvider(path));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(path, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Sync) File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}\n");
        }
    }
}
