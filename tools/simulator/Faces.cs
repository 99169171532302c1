using System.Globalization;

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
    /// same face gives much the same picture.
    /// </summary>
    public static byte[] Crop(float[] template)
    {
        ArgumentNullException.ThrowIfNull(template);
        const int blocks = 8;
        var levels = new byte[blocks * blocks];
        for (var y = 0; y < blocks; y++)
        {
            for (var x = 0; x < blocks; x++)
            {
                var (dx, dy) = ((x - 3.5) / 3.2, (y - 3.5) / 4.0);
                var inside = (dx * dx) + (dy * dy) <= 1;
                var shade = template[((y * blocks) + x) % template.Length] * Math.Sqrt(template.Length) * 24;
                levels[(y * blocks) + x] = (byte)Math.Clamp(inside ? 170 + shade : 40, 0, 255);
            }
        }
        return BlockJpeg.Encode(levels, blocks, blocks);
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

/// <summary>
/// A baseline JPEG of flat 8×8 blocks (one gray level each), grayscale: only each block's DC coefficient is coded (with
/// the standard luminance DC Huffman table), every AC run ends at once (EOB). Enough for a small crop, without an imaging library.
/// </summary>
internal static class BlockJpeg
{
    // The standard luminance DC table (ITU T.81, K.3): code lengths per length 1..16, then the categories.
    private static readonly byte[] DcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] DcValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    private static readonly (int Code, int Length)[] DcCodes = Codes(DcBits);

    public static byte[] Encode(byte[] levels, int blocksWide, int blocksHigh)
    {
        using var jpeg = new MemoryStream();
        void Marker(byte marker, params byte[] segment)
        {
            jpeg.WriteByte(0xFF);
            jpeg.WriteByte(marker);
            if (segment.Length == 0) return;
            jpeg.WriteByte((byte)((segment.Length + 2) >> 8));
            jpeg.WriteByte((byte)(segment.Length + 2));
            jpeg.Write(segment);
        }
        var (width, height) = (blocksWide * 8, blocksHigh * 8);
        Marker(0xD8);
        Marker(0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]); // quantisation table 0: all ones
        Marker(0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]);
        Marker(0xC4, [0x00, .. DcBits, .. DcValues]); // DC table 0
        Marker(0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]); // AC table 0: EOB only, code "0"
        Marker(0xDA, [1, 1, 0x00, 0, 63, 0]);

        var bits = new BitWriter(jpeg);
        var previous = 0;
        foreach (var level in levels)
        {
            var dc = 8 * (level - 128); // the DCT's DC term of a flat block, level-shifted
            var diff = dc - previous;
            previous = dc;
            var category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
            bits.Write(DcCodes[category].Code, DcCodes[category].Length);
            if (category > 0) bits.Write(diff > 0 ? diff : diff + (1 << category) - 1, category);
            bits.Write(0, 1); // EOB
        }
        bits.Flush();
        Marker(0xD9);
        return jpeg.ToArray();
    }

    private static (int Code, int Length)[] Codes(byte[] bits)
    {
        var codes = new List<(int, int)>();
        var code = 0;
        for (var length = 1; length <= 16; length++)
        {
            for (var i = 0; i < bits[length - 1]; i++) codes.Add((code++, length));
            code <<= 1;
        }
        return [.. codes];
    }

    private sealed class BitWriter(Stream stream)
    {
        private int _buffer;
        private int _count;

        public void Write(int value, int length)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                _buffer = (_buffer << 1) | ((value >> i) & 1);
                if (++_count == 8) Emit();
            }
        }

        public void Flush()
        {
            while (_count != 0) Write(1, 1); // pad with ones
        }

        private void Emit()
        {
            stream.WriteByte((byte)_buffer);
            if (_buffer == 0xFF) stream.WriteByte(0); // byte stuffing
            (_buffer, _count) = (0, 0);
        }
    }
}
