using System.Globalization;
using SkiaSharp;

namespace Mtaeda.Simulator;

/// <summary>
/// The faces of a simulated run, all made from the seed so that a run can regenerate them: each listed offender's
/// template (<see cref="Offender"/>), captures of that offender (the template with a little noise, as another photo of the
/// same face gives), strangers (random directions, which match no one), and a small grayscale JPEG crop drawn from a
/// template (<see cref="Crop"/>). Templates are L2-normalised embeddings of the configured length.
/// </summary>
public static class Faces
{
    /// <summary>Noise added to an offender's template in a capture: its norm relative to the template's (cosine ≈ 0.96).</summary>
    public const double CaptureNoise = 0.3;

    /// <summary>The id of the <paramref name="index"/>-th offender (from 1) the run with <paramref name="seed"/> lists.</summary>
    public static string OffenderId(int seed, int index) => string.Create(CultureInfo.InvariantCulture, $"off-s{seed}-{index:D2}");

    /// <summary>The listed template of offender <paramref name="index"/> of the run with <paramref name="seed"/>.</summary>
    public static float[] Offender(int seed, int index, int length) => Random(new Random(unchecked((seed * 1_000_003) + index)), length);

    /// <summary>A capture of a face whose listed template is <paramref name="template"/>: the template plus noise, normalised.</summary>
    public static float[] CaptureOf(float[] template, Random random)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(random);
        var sigma = CaptureNoise / Math.Sqrt(template.Length);
        var values = new double[template.Length];
        for (var i = 0; i < values.Length; i++) values[i] = template[i] + (sigma * Gaussian(random));
        return Normalised(values);
    }

    /// <summary>A random face: a uniformly random direction, normalised.</summary>
    public static float[] Random(Random random, int length)
    {
        ArgumentNullException.ThrowIfNull(random);
        var values = new double[length];
        for (var i = 0; i < length; i++) values[i] = Gaussian(random);
        return Normalised(values);
    }

    /// <summary>
    /// A 64×64 grayscale JPEG crop drawn from a template (an oval face, shaded in 8×8 blocks by the template's values): the
    /// same face gives much the same picture. Drawn and encoded with SkiaSharp.
    /// </summary>
    public static byte[] Crop(float[] template)
    {
        ArgumentNullException.ThrowIfNull(template);
        const int blocks = 8, size = 64, block = size / blocks;
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint())
        {
            for (var y = 0; y < blocks; y++)
            {
                for (var x = 0; x < blocks; x++)
                {
                    var (dx, dy) = ((x - 3.5) / 3.2, (y - 3.5) / 4.0);
                    var inside = (dx * dx) + (dy * dy) <= 1;
                    var shade = template[((y * blocks) + x) % template.Length] * Math.Sqrt(template.Length) * 24;
                    var level = (byte)Math.Clamp(inside ? 170 + shade : 40, 0, 255);
                    paint.Color = new SKColor(level, level, level);
                    canvas.DrawRect(x * block, y * block, block, block, paint);
                }
            }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    private static float[] Normalised(double[] values)
    {
        var norm = Math.Sqrt(values.Sum(v => v * v));
        return [.. values.Select(v => (float)(v / norm))];
    }

    // Box–Muller.
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
