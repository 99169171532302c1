using System.Globalization;
using System.Text.Json;

namespace LocalDapr.PubSub;

/// <summary>
/// The subset of CEL that Dapr routing rules use, evaluated against the CloudEvent bound to <c>event</c>:
/// <c>event.a.b</c>, string / number / bool / null literals, <c>== != &lt; &lt;= &gt; &gt;=</c>, <c>&amp;&amp; || !</c>, parentheses,
/// <c>has(event.x)</c> and the string methods <c>startsWith</c>, <c>endsWith</c>, <c>contains</c>.
/// </summary>
public sealed class RouteExpression
{
    private readonly Func<JsonElement, object?> _eval;

    private RouteExpression(string text, Func<JsonElement, object?> eval)
    {
        Text = text;
        _eval = eval;
    }

    public string Text { get; }

    public static RouteExpression Parse(string text)
    {
        var parser = new Parser(text);
        var eval = parser.ParseExpression();
        parser.ExpectEnd();
        return new RouteExpression(text, eval);
    }

    public bool Matches(JsonElement cloudEvent) => _eval(cloudEvent) is true;

    private sealed class Parser(string text)
    {
        private int _pos;

        public Func<JsonElement, object?> ParseExpression() => ParseOr();

        public void ExpectEnd()
        {
            SkipSpace();
            if (_pos < text.Length) throw Fail($"unexpected '{text[_pos..]}'");
        }

        private Func<JsonElement, object?> ParseOr()
        {
            var left = ParseAnd();
            while (Accept("||"))
            {
                var l = left;
                var r = ParseAnd();
                left = e => l(e) is true || r(e) is true;
            }
            return left;
        }

        private Func<JsonElement, object?> ParseAnd()
        {
            var left = ParseComparison();
            while (Accept("&&"))
            {
                var l = left;
                var r = ParseComparison();
                left = e => l(e) is true && r(e) is true;
            }
            return left;
        }

        private Func<JsonElement, object?> ParseComparison()
        {
            var left = ParseUnary();
            foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
            {
                if (!Accept(op)) continue;
                var l = left;
                var r = ParseUnary();
                return op switch
                {
                    "==" => e => Equal(l(e), r(e)),
                    "!=" => e => !Equal(l(e), r(e)),
                    _ => e => Compare(l(e), r(e)) is int c && op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, _ => c >= 0 },
                };
            }
            return left;
        }

        private Func<JsonElement, object?> ParseUnary()
        {
            if (Accept("!"))
            {
                var inner = ParseUnary();
                return e => inner(e) is not true;
            }
            var primary = ParsePrimary();
            while (Accept("."))
            {
                var method = Identifier();
                Expect("(");
                var argument = ParseExpression();
                Expect(")");
                var target = primary;
                primary = method switch
                {
                    "startsWith" => e => target(e) is string s && argument(e) is string a && s.StartsWith(a, StringComparison.Ordinal),
                    "endsWith" => e => target(e) is string s && argument(e) is string a && s.EndsWith(a, StringComparison.Ordinal),
                    "contains" => e => target(e) is string s && argument(e) is string a && s.Contains(a, StringComparison.Ordinal),
                    _ => throw Fail($"unsupported function '{method}'"),
                };
            }
            return primary;
        }

        private Func<JsonElement, object?> ParsePrimary()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Fail("unexpected end of expression");
            var c = text[_pos];
            if (c == '(')
            {
                _pos++;
                var inner = ParseExpression();
                Expect(")");
                return inner;
            }
            if (c is '"' or '\'')
            {
                var value = StringLiteral(c);
                return _ => value;
            }
            if (char.IsDigit(c) || c == '-')
            {
                var start = _pos++;
                while (_pos < text.Length && (char.IsDigit(text[_pos]) || text[_pos] == '.')) _pos++;
                var number = double.Parse(text.AsSpan(start, _pos - start), CultureInfo.InvariantCulture);
                return _ => number;
            }
            var name = Identifier();
            switch (name)
            {
                case "true": return _ => true;
                case "false": return _ => false;
                case "null": return _ => null;
                case "has":
                    Expect("(");
                    var path = Path(Identifier());
                    Expect(")");
                    return e => Resolve(e, path).HasValue;
                default:
                    var segments = Path(name);
                    return e => Resolve(e, segments) is { } found ? Value(found) : null;
            }
        }

        private string[] Path(string first)
        {
            if (first != "event") throw Fail($"unknown variable '{first}' (only 'event' is bound)");
            var segments = new List<string>();
            while (Peek('.') && !IsMethodAhead())
            {
                _pos++;
                segments.Add(Identifier());
            }
            return [.. segments];
        }

        private bool IsMethodAhead()
        {
            var p = _pos + 1;
            while (p < text.Length && (char.IsLetterOrDigit(text[p]) || text[p] == '_')) p++;
            while (p < text.Length && char.IsWhiteSpace(text[p])) p++;
            return p < text.Length && text[p] == '(';
        }

        private string Identifier()
        {
            SkipSpace();
            var start = _pos;
            while (_pos < text.Length && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
            return _pos > start ? text[start.._pos] : throw Fail("expected a name");
        }

        private string StringLiteral(char quote)
        {
            var sb = new System.Text.StringBuilder();
            _pos++;
            while (_pos < text.Length && text[_pos] != quote)
            {
                if (text[_pos] == '\\' && _pos + 1 < text.Length) _pos++;
                sb.Append(text[_pos++]);
            }
            if (_pos >= text.Length) throw Fail("unterminated string");
            _pos++;
            return sb.ToString();
        }

        private bool Peek(char c) => _pos < text.Length && text[_pos] == c;

        private bool Accept(string token)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, _pos, token, 0, token.Length) != 0) return false;
            // '!' must not swallow the first character of '!='; '<' must not swallow '<='.
            if (token is "!" or "<" or ">" && _pos + 1 < text.Length && text[_pos + 1] == '=') return false;
            _pos += token.Length;
            return true;
        }

        private void Expect(string token)
        {
            if (!Accept(token)) throw Fail($"expected '{token}'");
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private FormatException Fail(string message) => new($"routing rule '{text}': {message} at position {_pos}");

        private static JsonElement? Resolve(JsonElement root, string[] path)
        {
            var current = root;
            foreach (var segment in path)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current)) return null;
            }
            return current;
        }

        private static object? Value(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => element.GetRawText(),
        };

        private static bool Equal(object? a, object? b) => Equals(a, b);

        private static int? Compare(object? a, object? b) => (a, b) switch
        {
            (double x, double y) => x.CompareTo(y),
            (string x, string y) => string.CompareOrdinal(x, y),
            _ => null,
        };
    }
}
