using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mtaeda.Testing;

/// <summary>Keeps every log entry (that <paramref name="keep"/> lets through), to check what is logged and how often.</summary>
/// <param name="keep">Which category and level to keep; null keeps everything.</param>
public sealed class CapturingLoggerProvider(Func<string, LogLevel, bool>? keep = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> entries = new();

    /// <summary>Keeps the app's own entries at any level, and the framework's (<c>Microsoft.*</c>) from warnings up.</summary>
    public static Func<string, LogLevel, bool> OwnAndFrameworkWarnings { get; } =
        (category, level) => !category.StartsWith("Microsoft", StringComparison.Ordinal) || level >= LogLevel.Warning;

    /// <summary>What was logged, in order.</summary>
    public IReadOnlyList<Entry> Entries => [.. entries];

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries, keep);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>One entry.</summary>
    /// <param name="Category">The logger's category.</param>
    /// <param name="Level">The level.</param>
    /// <param name="Message">The message (with the exception, when one was logged).</param>
    /// <param name="Exception">The exception logged, if any.</param>
    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class Logger(string category, ConcurrentQueue<Entry> entries, Func<string, LogLevel, bool>? keep) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => keep is null || keep(category, logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
        }
    }
}
