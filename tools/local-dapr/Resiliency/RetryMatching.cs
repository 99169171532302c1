using System.Globalization;

namespace LocalDapr.Resiliency;

/// <summary>
/// A retry policy's <c>matching</c> (dapr/dapr <c>pkg/resiliency/retry.go</c>): the HTTP status codes and gRPC status
/// codes of a service invocation's answer that are retried, as comma-separated codes or <c>start-end</c> ranges. A list
/// left out retries every code of its kind; a code in 0–16 is read as a gRPC code, one in 100–599 as an HTTP status.
/// Errors that carry no code (a callee that cannot be reached, a component's failure) are always retried.
/// </summary>
public sealed class RetryMatching
{
    private static readonly (int Start, int End) HttpRange = (100, 599);
    private static readonly (int Start, int End) GrpcRange = (0, 16);

    private readonly IReadOnlyList<(int Start, int End)>? _http;
    private readonly IReadOnlyList<(int Start, int End)>? _grpc;

    private RetryMatching(IReadOnlyList<(int, int)>? http, IReadOnlyList<(int, int)>? grpc)
    {
        _http = http;
        _grpc = grpc;
    }

    public static RetryMatching All { get; } = new(null, null);

    /// <summary>Parses the two lists, failing with daprd's words for a pattern it refuses.</summary>
    /// <exception cref="FormatException">A pattern is not a code or range within its kind's codes.</exception>
    public static RetryMatching Parse(string? httpStatusCodes, string? grpcStatusCodes) =>
        new(Patterns(httpStatusCodes, HttpRange), Patterns(grpcStatusCodes, GrpcRange));

    /// <summary>True when an answer with <paramref name="code"/> is to be retried.</summary>
    public bool Retries(int code)
    {
        if (Within(GrpcRange, code)) return Allowed(_grpc, code);
        if (Within(HttpRange, code)) return Allowed(_http, code);
        return false;
    }

    private static bool Allowed(IReadOnlyList<(int Start, int End)>? ranges, int code) => ranges is null || ranges.Any(r => Within(r, code));

    private static bool Within((int Start, int End) range, int code) => range.Start <= code && code <= range.End;

    private static List<(int, int)>? Patterns(string? patterns, (int Start, int End) valid)
    {
        if (string.IsNullOrEmpty(patterns)) return null;
        var ranges = new List<(int, int)>();
        foreach (var pattern in patterns.Split(','))
        {
            if (pattern.Length == 0) continue;
            var parts = pattern.Split('-');
            if (parts.Length > 2) throw new FormatException($"invalid pattern {pattern}, more than one '-' exists");
            var start = Code(parts[0], pattern, "start");
            if (!Within(valid, start)) throw new FormatException($"invalid pattern {pattern}, start code {start} is not valid");
            var end = parts.Length == 2 ? Code(parts[1], pattern, "end") : start;
            if (!Within(valid, end)) throw new FormatException($"invalid pattern {pattern}, end code {end} is not valid");
            if (end < start) throw new FormatException($"invalid pattern {pattern}, start value should not bigger than end value");
            ranges.Add((start, end));
        }
        return ranges;
    }

    private static int Code(string text, string pattern, string which) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code)
            ? code
            : throw new FormatException($"failed to parse {which} code {text} from pattern {pattern} to int, strconv.Atoi: parsing \"{text}\": invalid syntax");
}
