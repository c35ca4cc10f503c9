/** Synthetic cervical-spine CT studies (phantoms) written as DICOM series with RSNA-style ground truth. */
package io.spinestream.phantom;
