namespace Mtaeda.Identification.Domain;

/// <summary>
/// What makes a face template valid: exactly the configured number of values, all finite, with unit L2 norm (the
/// camera's model normalises its embeddings, so cosine similarity is their dot product). A problem is reported naming
/// the field and the rule, never a value: the template of a capture must not reach a log.
/// </summary>
public static class FaceTemplates
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

    /// <summary>Cosine similarity of two L2-normalised vectors: their dot product.</summary>
    /// <param name="a">One vector.</param>
    /// <param name="b">The other, of the same length.</param>
    /// <returns>The similarity, in [-1, 1].</returns>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
