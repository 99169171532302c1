using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// Finds any trace of a set of face captures in a blob (a state value, a stream entry, a log file, an exported OTLP body),
/// in one pass per blob however many captures there are: their ids (<c>{device}.c{sequence}</c>), their templates' raw
/// bytes (the first two floats, at any byte offset), the base64 of those bytes (at each of the three alignments), and
/// their first values printed as .NET prints a float (shortest round trip).
/// </summary>
public sealed partial class CaptureTraces
{
    private const int Base64Probe = 16;
    private readonly string _device;
    private readonly HashSet<ulong> _ids = [];
    private readonly HashSet<long> _raw = [];
    private readonly HashSet<string> _base64 = new(StringComparer.Ordinal);
    private readonly HashSet<string> _printed = new(StringComparer.Ordinal);

    /// <param name="device">The device whose capture ids are sought (their prefix <c>{device}.c</c>): all of its captures.</param>
    public CaptureTraces(string device) => _device = device;

    /// <summary>How many captures are sought.</summary>
    public int Count => _ids.Count;

    /// <summary>Seeks capture <paramref name="sequence"/> of the device, with its template.</summary>
    public void Add(ulong sequence, float[] template)
    {
        _ids.Add(sequence);
        var bytes = MemoryMarshal.AsBytes(template.AsSpan()).ToArray();
        _raw.Add(BinaryPrimitives.ReadInt64LittleEndian(bytes));
        for (var shift = 0; shift < 3; shift++)
        {
            // The base64 of the bytes from `shift` on, less the first group (which the bytes before it also shape).
            var text = Convert.ToBase64String(bytes, shift, 24);
            _base64.Add(shift == 0 ? text[..Base64Probe] : text[4..(4 + Base64Probe)]);
        }
        _printed.Add(template[0].ToString(CultureInfo.InvariantCulture));
        _printed.Add(template[1].ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>What of the sought captures <paramref name="blob"/> holds (empty when nothing).</summary>
    public IReadOnlyList<string> Find(byte[] blob)
    {
        var found = new List<string>();
        for (var i = 0; i + 8 <= blob.Length; i++)
        {
            if (_raw.Contains(BinaryPrimitives.ReadInt64LittleEndian(blob.AsSpan(i, 8)))) found.Add($"a template's bytes at offset {i}");
        }
        var text = Encoding.UTF8.GetString(blob);
        var prefix = _device + ".c";
        for (var at = text.IndexOf(prefix, StringComparison.Ordinal); at >= 0; at = text.IndexOf(prefix, at + 1, StringComparison.Ordinal))
        {
            // In a binary blob the byte after an id may read as a digit (a protobuf tag such as 0x32 is '2'): every prefix of
            // the digits is tried, so the device's ids must all be sought (no id of it may be a prefix of one sought).
            var digits = at + prefix.Length;
            for (var end = digits + 1; end <= text.Length && char.IsAsciiDigit(text[end - 1]); end++)
            {
                if (ulong.TryParse(text.AsSpan(digits, end - digits), CultureInfo.InvariantCulture, out var sequence) && _ids.Contains(sequence))
                {
                    found.Add($"capture id {text[at..end]} in \"{Printable(text, at - 150, end + 150)}\"");
                    break;
                }
            }
        }
        var base64 = _base64.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var run in Base64Run().EnumerateMatches(text))
        {
            var span = text.AsSpan(run.Index, run.Length);
            for (var i = 0; i + Base64Probe <= span.Length; i++)
            {
                if (base64.Contains(span.Slice(i, Base64Probe))) found.Add($"a template's base64 ({span.Slice(i, Base64Probe)})");
            }
        }
        foreach (Match number in Number().Matches(text))
        {
            if (_printed.Contains(number.Value)) found.Add($"a template's value {number.Value}");
        }
        return found;
    }

    // The text around a find, its control characters shown as dots (a binary blob's text is mostly not text).
    private static string Printable(string text, int from, int to)
    {
        var part = text[Math.Max(0, from)..Math.Min(text.Length, to)];
        return new string([.. part.Select(c => char.IsControl(c) ? '.' : c)]);
    }

    [GeneratedRegex("[A-Za-z0-9+/]{16,}")]
    private static partial Regex Base64Run();

    [GeneratedRegex(@"-?\d\.\d+(E-?\d+)?")]
    private static partial Regex Number();
}
