namespace Mtaeda.Identification.Domain;

/// <summary>
/// Comparing face templates. What makes one valid is <see cref="Contracts.FaceTemplateRule"/> (shared with passengers,
/// which checks the templates a passenger enrols with).
/// </summary>
public static class FaceTemplates
{
    /// <summary>Cosine similarity of two L2-normalised vectors: their dot product.</summary>
    /// <param name="a">One vector.</param>
    /// <param name="b">The other, of the same length.</param>
    /// <returns>The similarity, in [-1, 1].</returns>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
