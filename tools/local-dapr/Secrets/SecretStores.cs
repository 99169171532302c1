using System.Globalization;
using System.Text.Json;
using LocalDapr.Configuration;

namespace LocalDapr.Secrets;

/// <summary>A secret store component (components-contrib <c>secretstores.SecretStore</c>).</summary>
public interface ISecretStore : IAsyncDisposable
{
    /// <summary>The values of one secret (a single-valued store answers <c>{name: value}</c>); throws when the store has no such secret.</summary>
    IReadOnlyDictionary<string, string> Get(string name, IReadOnlyDictionary<string, string> metadata);

    /// <summary>Every secret of the store.</summary>
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata);

    /// <summary>The component's features, as <c>/v1.0/metadata</c> lists them (<c>MULTIPLE_KEY_VALUES_PER_SECRET</c>).</summary>
    IReadOnlyList<string> Features { get; }
}

/// <summary>
/// <c>secretstores.local.file</c> (components-contrib <c>secretstores/local/file</c>): a JSON file read once at start-up.
/// Nested objects and arrays are flattened into keys joined with <c>nestedSeparator</c> (default <c>:</c>); with
/// <c>multiValued</c>, each top-level object is one secret holding its flattened keys, and a top-level string is a
/// secret of its own. As in Go, a number, boolean or null leaf becomes the text <c>fmt.Sprintf("%s", v)</c> gives.
/// </summary>
public sealed class LocalFileSecretStore : ISecretStore
{
    private readonly Dictionary<string, object> _secrets = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Features { get; }

    /// <summary>
    /// <paramref name="spec"/> with a relative <c>secretsFile</c> made absolute against <paramref name="workingDirectory"/>
    /// (daprd opens it relative to its working directory); other components, and a null directory, are left as they are.
    /// </summary>
    public static ComponentSpec InDirectory(ComponentSpec spec, string? workingDirectory)
    {
        if (spec.Type != "secretstores.local.file" || workingDirectory is null || spec.Meta("secretsFile") is not { } file || Path.IsPathRooted(file)) return spec;
        var metadata = new Dictionary<string, string>(spec.Metadata, StringComparer.OrdinalIgnoreCase) { ["secretsFile"] = Path.Combine(workingDirectory, file) };
        return spec with { Metadata = metadata };
    }

    public LocalFileSecretStore(ComponentSpec spec)
    {
        var file = spec.Meta("secretsFile") ?? throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): missing local secrets file in metadata");
        var separator = spec.Meta("nestedSeparator") ?? ":";
        JsonDocument document;
        try
        {
            // Relative to the working directory, as os.Open in daprd resolves it (see InDirectory).
            document = JsonDocument.Parse(File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): cannot read secrets file '{file}': {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ConfigurationException(spec.File, spec.Line, $"component '{spec.Name}' ({spec.Type}): secrets file '{file}' does not hold a JSON object");
            Features = GoBool(spec.Meta("multiValued")) ? ["MULTIPLE_KEY_VALUES_PER_SECRET"] : [];
            if (GoBool(spec.Meta("multiValued")))
            {
                foreach (var property in Properties(document.RootElement))
                {
                    if (property.Value.ValueKind == JsonValueKind.String) _secrets[property.Name] = property.Value.GetString()!;
                    else if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        var values = new Dictionary<string, string>(StringComparer.Ordinal);
                        Flatten(property.Value, [], separator, values);
                        _secrets[property.Name] = values;
                    }
                }
            }
            else
            {
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                Flatten(document.RootElement, [], separator, values);
                foreach (var (k, v) in values) _secrets[k] = v;
            }
        }
    }

    public IReadOnlyDictionary<string, string> Get(string name, IReadOnlyDictionary<string, string> metadata) =>
        _secrets.TryGetValue(name, out var value) ? Values(name, value) : throw new KeyNotFoundException($"secret {name} not found");

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata) =>
        _secrets.ToDictionary(s => s.Key, s => Values(s.Key, s.Value), StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, string> Values(string name, object value) =>
        value as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(StringComparer.Ordinal) { [name] = (string)value };

    /// <summary>The object's properties, the last of duplicate names winning (as Go's encoding/json does).</summary>
    private static IEnumerable<JsonProperty> Properties(JsonElement element) =>
        element.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).Select(g => g.Last());

    private static void Flatten(JsonElement element, List<string> path, string separator, Dictionary<string, string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in Properties(element))
                {
                    path.Add(property.Name);
                    Flatten(property.Value, path, separator, into);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Add((i++).ToString(CultureInfo.InvariantCulture));
                    Flatten(item, path, separator, into);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            default:
                // The first value of a key wins ("duplicate key" in components-contrib).
                into.TryAdd(string.Join(separator, path), GoText(element));
                break;
        }
    }

    /// <summary>What Go's <c>fmt.Sprintf("%s", v)</c> makes of a decoded JSON leaf.</summary>
    private static string GoText(JsonElement leaf) => leaf.ValueKind switch
    {
        JsonValueKind.String => leaf.GetString()!,
        JsonValueKind.True => "%!s(bool=true)",
        JsonValueKind.False => "%!s(bool=false)",
        JsonValueKind.Null => "%!s(<nil>)",
        _ => $"%!s(float64={GoFloat(leaf.GetDouble())})",
    };

    /// <summary>Go's <c>%v</c> of a float64: the shortest digits, in <c>%e</c> form when the exponent is below -4 or at least 6.</summary>
    internal static string GoFloat(double value)
    {
        var text = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        var exp10 = e < 0 ? 0 : int.Parse(text[(e + 1)..], CultureInfo.InvariantCulture);
        if (e >= 0) text = text[..e];
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? text : text.Remove(dot, 1);
        var point = (dot < 0 ? text.Length : dot) + exp10;
        var lead = digits.TakeWhile(c => c == '0').Count();
        if (lead == digits.Length) return value < 0 || double.IsNegative(value) ? "-0" : "0";
        digits = digits[lead..].TrimEnd('0');
        point -= lead;
        var sign = value < 0 ? "-" : "";
        var exponent = point - 1;
        if (exponent < -4 || exponent >= 6)
            return $"{sign}{digits[0]}{(digits.Length > 1 ? "." + digits[1..] : "")}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        if (point <= 0) return $"{sign}0.{new string('0', -point)}{digits}";
        return point >= digits.Length ? sign + digits + new string('0', point - digits.Length) : $"{sign}{digits[..point]}.{digits[point..]}";
    }

    /// <summary>Go's <c>strconv.ParseBool</c>, which dapr/kit's metadata decoder uses.</summary>
    internal static bool GoBool(string? text) => text is "1" or "t" or "T" or "TRUE" or "true" or "True";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// <c>secretstores.local.env</c> (components-contrib <c>secretstores/local/env</c>): the sidecar's environment variables,
/// with an optional <c>prefix</c> put before the name. <c>APP_API_TOKEN</c> and <c>DAPR_*</c> are never given out; a
/// variable that is not set is an empty value, not an error.
/// </summary>
public sealed class EnvSecretStore(ComponentSpec spec) : ISecretStore
{
    private readonly string _prefix = spec.Metadata.TryGetValue("prefix", out var p) ? p : "";

    public IReadOnlyList<string> Features => [];

    public IReadOnlyDictionary<string, string> Get(string name, IReadOnlyDictionary<string, string> metadata)
    {
        var variable = _prefix + name;
        var value = IsAllowed(variable) ? System.Environment.GetEnvironmentVariable(variable) ?? "" : "";
        return new Dictionary<string, string>(StringComparer.Ordinal) { [name] = value };
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> BulkGet(IReadOnlyDictionary<string, string> metadata)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (_prefix.Length > 0 && (key.Length <= _prefix.Length || !key.StartsWith(_prefix, comparison))) continue;
            if (!IsAllowed(key)) continue;
            var name = key[_prefix.Length..];
            result[name] = new Dictionary<string, string>(StringComparer.Ordinal) { [name] = (string?)entry.Value ?? "" };
        }
        return result;
    }

    /// <summary>The variables no secret store or <c>envRef</c> may read (daprd's deny list).</summary>
    public static bool IsAllowed(string variable)
    {
        var upper = variable.ToUpperInvariant();
        return upper != "APP_API_TOKEN" && !upper.StartsWith("DAPR_", StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A secret store's scope in the app's <c>Configuration</c> (<c>spec.secrets.scopes</c>, dapr/dapr <c>SecretsScope.IsSecretAllowed</c>):
/// a non-empty <c>allowedSecrets</c> allows only its keys; otherwise a key in <c>deniedSecrets</c> is denied and any
/// other follows <c>defaultAccess</c> (<c>allow</c> unless it says <c>deny</c>).
/// </summary>
public sealed record SecretScope(string StoreName, string? DefaultAccess, IReadOnlyList<string> AllowedSecrets, IReadOnlyList<string> DeniedSecrets)
{
    public bool IsAllowed(string key)
    {
        if (AllowedSecrets.Count != 0) return AllowedSecrets.Contains(key, StringComparer.Ordinal);
        if (DeniedSecrets.Contains(key, StringComparer.Ordinal)) return false;
        return !string.Equals(DefaultAccess, "deny", StringComparison.OrdinalIgnoreCase);
    }
}
