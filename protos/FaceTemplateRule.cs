using Mtaeda.Contracts.Identification.V1;

namespace Mtaeda.Contracts;

/// <summary>
/// What makes a face template valid (identification.proto's <c>FaceTemplate</c>): exactly the configured number of
/// values, all finite, with unit L2 norm (the camera's model normalises its embeddings, so cosine similarity is their dot
/// product). Identification checks captures and enrolments with it; passengers checks the templates a passenger enrols
/// with before handing them on. A problem is reported naming the rule, never a value: a template must not reach a log.
/// </summary>
public static class FaceTemplateRule
{
    /// <summary>How far the L2 norm may be from 1.</summary>
    public const double NormTolerance = 1e-3;

    /// <summary>Checks <paramref name="values"/>; null when valid, else the rule broken (without the field name).</summary>
    /// <param name="values">The template's values.</param>
    /// <param name="dimensions">The configured length.</param>
    /// <returns>The problem, or null.</returns>
    public static string? Problem(ReadOnlySpan<float> values, int dimensions)
    {
        if (values.Length == 0) return "is required";
        if (values.Length != dimensions) return $"must have exactly {dimensions} values, not {values.Length}";
        double sum = 0;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) return "must hold finite numbers only (no NaN or infinity)";
            sum += (double)v * v;
        }
        return Math.Abs(Math.Sqrt(sum) - 1) > NormTolerance ? "must be L2-normalised (norm 1)" : null;
    }

    /// <summary>
    /// Checks the templates of an enrolment or a watch-list entry: at most <paramref name="max"/>, each with an id (unique
    /// among them) and valid values. Throws naming the template at fault (<c>{field}[i].template_id</c> or
    /// <c>{field}[i].values</c>), never a value.
    /// </summary>
    /// <param name="templates">The templates.</param>
    /// <param name="field">The list's field name, e.g. <c>templates</c>.</param>
    /// <param name="dimensions">The configured length.</param>
    /// <param name="max">The most templates allowed.</param>
    /// <exception cref="DomainRefusalException">Bad input naming the field.</exception>
    public static void CheckAll(IReadOnlyList<FaceTemplate> templates, string field, int dimensions, int max)
    {
        ArgumentNullException.ThrowIfNull(templates);
        if (templates.Count > max) throw DomainRefusalException.Invalid(field, $"at most {max}");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < templates.Count; i++)
        {
            Ids.Require(templates[i].TemplateId, $"{field}[{i}].template_id");
            if (!ids.Add(templates[i].TemplateId)) throw DomainRefusalException.Invalid($"{field}[{i}].template_id", "is given twice");
            if (Problem(templates[i].Values.ToArray(), dimensions) is { } rule) throw DomainRefusalException.Invalid($"{field}[{i}].values", rule);
        }
    }
}
