using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mtaeda.Deploy.Tests;

/// <summary>Every value the templates read exists in values.yaml, every value of values.yaml is documented (a comment there,
/// a row of the chart's README), and the variants override only values that exist.</summary>
public sealed partial class ChartValuesTests
{
    private static JsonObject Values(string file = "values.yaml") => Chart.ParseFile(Path.Combine(Chart.Directory, file));

    /// <summary>The leaf paths of a values tree: scalars, lists, empty maps and free-form maps (keys such as
    /// "kubernetes.io/metadata.name": label selectors and annotations).</summary>
    private static IEnumerable<string[]> Leaves(JsonNode? node, string[] prefix) => node switch
    {
        JsonObject map when map.Count > 0 && !map.Any(kv => kv.Key.Contains('/', StringComparison.Ordinal)) => map.SelectMany(kv => Leaves(kv.Value, [.. prefix, kv.Key])),
        _ => [prefix],
    };

    private static IEnumerable<string> LeafNames(JsonNode? node) => Leaves(node, []).Select(p => string.Join('.', p));

    /// <summary>Whether the path exists in the values; a path into a free-form map (annotations, selectors) exists when the map does.</summary>
    private static bool Exists(JsonNode? values, IEnumerable<string> path)
    {
        foreach (var key in path)
        {
            if (values is not JsonObject map) return false;
            if (!map.ContainsKey(key)) return map.Count == 0 || map.Any(kv => kv.Key.Contains('/', StringComparison.Ordinal));
            values = map[key];
        }
        return true;
    }

    [Fact]
    public void Every_values_reference_of_the_templates_exists_in_values_yaml()
    {
        var values = Values();
        var apps = values["apps"]!.AsObject();
        var missing = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Chart.Directory, "templates")))
        {
            var text = File.ReadAllText(file);
            // Variables bound to a part of the values ($d := .Values.dapr) resolve to that part.
            // ({{ range $app, $cfg := .Values.apps }} binds each app: read below as an app's values.)
            var aliases = AliasPattern().Matches(text).Where(m => !text[..m.Index].TrimEnd().EndsWith(','))
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Split('.', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            foreach (Match m in ValuesPattern().Matches(text))
            {
                var path = m.Groups[1].Value.Split('.', StringSplitOptions.RemoveEmptyEntries);
                if (!Exists(values, path)) missing.Add($"{Path.GetFileName(file)}: .Values.{string.Join('.', path)}");
            }
            foreach (Match m in VariablePattern().Matches(text))
            {
                var rest = m.Groups[2].Value.Split('.', StringSplitOptions.RemoveEmptyEntries);
                if (aliases.TryGetValue(m.Groups[1].Value, out var bound) && !Exists(values, bound.Concat(rest)))
                    missing.Add($"{Path.GetFileName(file)}: ${m.Groups[1].Value}.{string.Join('.', rest)} (= .Values.{string.Join('.', bound.Concat(rest))})");
            }
            // An app's values ($cfg, .cfg): each key read must be a key of an app.
            foreach (Match m in AppValuesPattern().Matches(text))
            {
                var rest = m.Groups[1].Value.Split('.', StringSplitOptions.RemoveEmptyEntries);
                if (!apps.Any(a => Exists(a.Value, rest))) missing.Add($"{Path.GetFileName(file)}: an app's {string.Join('.', rest)}");
            }
        }
        Assert.True(missing.Count == 0, "values read by the templates but missing from values.yaml:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_value_is_commented_in_values_yaml_and_documented_in_the_chart_readme()
    {
        var readme = File.ReadAllText(Path.Combine(Chart.Directory, "README.md"));
        var leaves = LeafNames(Values()).ToList();
        Assert.True(leaves.Count > 100, $"only {leaves.Count} values found");
        var undocumented = leaves.Where(l => !readme.Contains($"`{l}`", StringComparison.Ordinal)).ToList();
        Assert.True(undocumented.Count == 0, "values of values.yaml missing from helm/mtaeda/README.md:\n" + string.Join('\n', undocumented));

        // Each leaf's line in values.yaml follows a "# -- " comment (possibly several lines of it).
        var lines = File.ReadAllLines(Path.Combine(Chart.Directory, "values.yaml"));
        var uncommented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var match = LeafLinePattern().Match(lines[i]);
            if (!match.Success) continue;
            var j = i - 1;
            while (j >= 0 && lines[j].TrimStart().StartsWith('#') && !lines[j].TrimStart().StartsWith("# --", StringComparison.Ordinal)) j--;
            if (j < 0 || !lines[j].TrimStart().StartsWith("# --", StringComparison.Ordinal)) uncommented.Add($"values.yaml:{i + 1}: {lines[i].Trim()}");
        }
        Assert.True(uncommented.Count == 0, "values without a '# --' comment:\n" + string.Join('\n', uncommented));
    }

    [Theory]
    [InlineData("values-aks.yaml")]
    [InlineData("values-local.yaml")]
    public void A_variant_overrides_only_values_that_exist(string file)
    {
        var values = Values();
        var unknown = Leaves(Values(file), []).Where(l => !Exists(values, l)).Select(l => string.Join('.', l)).ToList();
        Assert.True(unknown.Count == 0, $"{file} sets values that values.yaml does not have:\n" + string.Join('\n', unknown));
    }

    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesPattern();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*(?:\$?[A-Za-z_]*)?(?:\.root)?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex AliasPattern();

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"(?:\$cfg|\.cfg)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex AppValuesPattern();

    // A line that sets a scalar, a list or an empty map (not the key of a nested map).
    [GeneratedRegex(@"^\s*[A-Za-z_][A-Za-z0-9_]*:\s*\S")]
    private static partial Regex LeafLinePattern();
}
