using System.Numerics.Tensors;

namespace Mtaeda.Identification.Tests.Support;

/// <summary>
/// Face-like test data: random unit templates (distinct people's embeddings are nearly orthogonal) and captures that are
/// noisy copies of them, as a second photo of the same face gives.
/// </summary>
internal static class Faces
{
    /// <summary>Listed person <paramref name="i"/> (an offender).</summary>
    public static PersonRef Person(int i) => new(PersonKind.Offender, $"o-{i}");

    /// <summary>A random unit template of <paramref name="dimensions"/> values (a uniformly random direction).</summary>
    public static float[] Unit(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < v.Length; i++) v[i] = Gaussian(random);
        return Normalise(v);
    }

    /// <summary>The template plus Gaussian noise sized so that the capture's cosine to it is about <paramref name="similarity"/>.</summary>
    public static float[] Noisy(Random random, float[] template, double similarity)
    {
        var sigma = (float)Math.Sqrt((1 / (similarity * similarity) - 1) / template.Length);
        var v = new float[template.Length];
        for (var i = 0; i < v.Length; i++) v[i] = template[i] + sigma * Gaussian(random);
        return Normalise(v);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private static float[] Normalise(float[] v)
    {
        var norm = MathF.Sqrt(TensorPrimitives.Dot(v, v));
        for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return v;
    }
}
