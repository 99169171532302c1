using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mtaeda.Identification.Domain;

/// <summary>
/// A pseudo-random rotation of templates: a randomized Hadamard transform applied <see cref="Rounds"/> times (flip each
/// value's sign by a fixed random pattern, then the fast Walsh–Hadamard transform: O(b log b) for b values), the usual
/// fast stand-in for a random rotation (as in random-hyperplane and cross-polytope hashing). The template is padded with
/// zeros to <see cref="Length"/>, a power of two; the result is not normalised (every rotation scales by the same factor).
/// </summary>
internal sealed class HadamardRotation
{
    /// <summary>How many rounds of sign flips and Hadamard transform.</summary>
    public const int Rounds = 3;

    private readonly float[] _flips;

    /// <summary>A rotation of templates of <paramref name="dimensions"/> values whose sign patterns come from <paramref name="random"/>.</summary>
    public HadamardRotation(int dimensions, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Length = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, dimensions));
        _flips = new float[Rounds * Length];
        for (var i = 0; i < _flips.Length; i++) _flips[i] = random.Next(2) == 0 ? -1f : 1f;
    }

    /// <summary>The rotated length: the template length rounded up to a power of two (at least 64).</summary>
    public int Length { get; }

    /// <summary>Rotates <paramref name="values"/> into <paramref name="rotated"/> (<see cref="Length"/> values).</summary>
    public void Rotate(ReadOnlySpan<float> values, Span<float> rotated)
    {
        var x = rotated[..Length];
        values.CopyTo(x);
        x[values.Length..].Clear();
        for (var round = 0; round < Rounds; round++)
        {
            TensorPrimitives.Multiply(x, _flips.AsSpan(round * Length, Length), x);
            Transform(x);
        }
    }

    /// <summary>The fast Walsh–Hadamard transform in place (unnormalised); <paramref name="x"/>'s length a power of two.</summary>
    internal static void Transform(Span<float> x, bool vectorized = true)
    {
        var n = x.Length;
        var h = 1;
        if (vectorized && Vector256.IsHardwareAccelerated && n >= 8)
        {
            // The three smallest strides inside each vector of 8: v·s + (v with pairs exchanged) gives a + b, a − b.
            ref var r = ref MemoryMarshal.GetReference(x);
            var s1 = Vector256.Create(1f, -1f, 1f, -1f, 1f, -1f, 1f, -1f);
            var s2 = Vector256.Create(1f, 1f, -1f, -1f, 1f, 1f, -1f, -1f);
            var s4 = Vector256.Create(1f, 1f, 1f, 1f, -1f, -1f, -1f, -1f);
            for (var i = 0; i < n; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                v = v * s1 + Vector256.Shuffle(v, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
                v = v * s2 + Vector256.Shuffle(v, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5));
                v = v * s4 + Vector256.Shuffle(v, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3));
                v.StoreUnsafe(ref r, (nuint)i);
            }
            for (h = 8; h < n; h <<= 1)
            {
                for (var i = 0; i < n; i += h << 1)
                {
                    for (var j = i; j < i + h; j += 8)
                    {
                        var a = Vector256.LoadUnsafe(ref r, (nuint)j);
                        var b = Vector256.LoadUnsafe(ref r, (nuint)(j + h));
                        (a + b).StoreUnsafe(ref r, (nuint)j);
                        (a - b).StoreUnsafe(ref r, (nuint)(j + h));
                    }
                }
            }
            return;
        }
        for (; h < n; h <<= 1)
        {
            for (var i = 0; i < n; i += h << 1)
            {
                for (var j = i; j < i + h; j++)
                {
                    var (a, b) = (x[j], x[j + h]);
                    x[j] = a + b;
                    x[j + h] = a - b;
                }
            }
        }
    }
}
