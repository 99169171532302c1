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
}
